package rtmp_test

import (
	"fmt"

	"github.com/cascade-live/cascade/rtmp"
)

func ExampleChunkReader() {
	// What a publisher sends: Set Chunk Size, then a 5000-byte video message.
	stream := rtmp.AppendSetChunkSize(nil, 4096)
	stream = rtmp.AppendChunks(stream, rtmp.CSIDVideo, rtmp.MsgVideo, 1, 40, make([]byte, 5000), 4096)

	// The server feeds whatever each read returned.
	r := rtmp.NewChunkReader()
	for _, read := range [][]byte{stream[:100], stream[100:]} {
		_, err := r.Feed(read, func(m *rtmp.Message) error {
			fmt.Printf("type %d csid %d stream %d ts %d: %d bytes\n", m.Type, m.CSID, m.StreamID, m.Timestamp, len(m.Payload()))
			m.Body.Release()
			return nil
		})
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println("chunk size", r.ChunkSize(), "bytes read", r.BytesRead())
	// Output:
	// type 1 csid 2 stream 0 ts 0: 4 bytes
	// type 9 csid 6 stream 1 ts 40: 5000 bytes
	// chunk size 4096 bytes read 5029
}

func ExampleServerHandshake() {
	client, _ := rtmp.NewClientHandshake(true, nil)
	s0s1s2, complex, err := rtmp.ServerHandshake(client.C0C1(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	c2, err := client.Respond(s0s1s2, nil)
	fmt.Println(len(s0s1s2), complex, len(c2), client.Complex(), err)
	// Output: 3073 true 1536 true <nil>
}

func ExampleAppendCommand() {
	// The server answers connect, createStream and publish as SRS does.
	var out []byte
	for _, cmd := range []*rtmp.Command{
		rtmp.ConnectResult(1, 0),
		rtmp.CreateStreamResult(4, 1),
		rtmp.Status(rtmp.CodePublishStart),
	} {
		var err error
		if out, err = rtmp.AppendCommand(out, rtmp.CSIDCommand, 0, cmd, 4096); err != nil {
			fmt.Println(err)
			return
		}
	}
	r := rtmp.NewChunkReader()
	r.Feed(rtmp.AppendSetChunkSize(nil, 4096), func(m *rtmp.Message) error { m.Body.Release(); return nil })
	r.Feed(out, func(m *rtmp.Message) error {
		defer m.Body.Release()
		cmd, err := rtmp.ParseCommand(m.Type, m.Payload())
		if err != nil {
			return err
		}
		code, _ := rtmp.StatusInfo(cmd).GetString("code")
		fmt.Println(cmd.Name, cmd.TransactionID, code, cmd.Args[len(cmd.Args)-1:])
		return nil
	})
	// Output:
	// _result 1 NetConnection.Connect.Success [[{level status} {code NetConnection.Connect.Success} {description Connection succeeded} {objectEncoding 0} {data [{version 3,5,3,888}]}]]
	// _result 4  [1]
	// onStatus 0 NetStream.Publish.Start [[{level status} {code NetStream.Publish.Start} {description Started publishing stream.} {clientid ASAICiss}]]
}
