// Package client is an RTMP client over a net.Conn, one goroutine per
// connection: it dials, performs the handshake and connect, then publishes
// or plays a stream and reads or writes messages. It is built from the
// wire pieces of package rtmp and used by tests, the load tool and server
// to server relays (edge, forward).
//
//	c, err := client.Dial(ctx, "rtmp://127.0.0.1/live/stream")
//	if err != nil { … }
//	defer c.Close()
//	if err := c.Play(ctx, ""); err != nil { … }
//	for {
//		m, err := c.ReadMessage()
//		if err != nil { … }
//		… m.Type, m.Timestamp, m.Payload() …
//		m.Body.Release()
//	}
package client
