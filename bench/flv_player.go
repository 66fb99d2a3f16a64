package bench

import (
	"bytes"
	"context"
	"mime"
	"net"
	"strconv"
	"strings"
	"time"
)

// flvRequest returns the GET request of an HTTP-FLV target.
func flvRequest(t *Target) []byte {
	return []byte("GET " + t.URL.RequestURI() + " HTTP/1.1\r\n" +
		"Host: " + t.URL.Host + "\r\n" +
		"User-Agent: cascade-bench\r\n" +
		"Accept: */*\r\n\r\n")
}

// playFLV runs one HTTP-FLV player until ctx is done or the connection
// fails. req is the request to send.
func playFLV(ctx context.Context, p *player, t *Target, cfg *Config, req, buf []byte) {
	deadline := time.Now().Add(cfg.Timeout)
	conn, err := dial(ctx, t.Addr, deadline)
	if err != nil {
		p.fail(ctx, "dial", err)
		return
	}
	defer conn.Close()
	stop := closeOnDone(ctx, conn)
	defer stop()
	_ = conn.SetDeadline(deadline)
	if _, err := conn.Write(req); err != nil {
		p.fail(ctx, "request", err)
		return
	}
	headLen, body, chunked, err := readResponseHead(conn, buf)
	if err != nil {
		p.fail(ctx, "response", err)
		return
	}
	_ = conn.SetDeadline(time.Time{})
	p.state.Store(statePlaying)
	p.wire.Add(uint64(headLen))
	if err := p.readInBulk(conn); err != nil {
		p.fail(ctx, "response", err)
		return
	}

	counter := &FLVCounter{OnMedia: p.onMedia, WantVideoHead: p.wantsVideoHead}
	var dechunk chunkedDecoder
	feed := func(b []byte) error {
		media := counter.Media
		var err error
		if chunked {
			err = dechunk.Feed(b, counter.Feed)
		} else {
			err = counter.Feed(b)
		}
		p.account(len(b), counter.Media-media)
		return err
	}
	if err := feed(body); err != nil {
		p.fail(ctx, "stream", err)
		return
	}
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			if ferr := feed(buf[:n]); ferr != nil {
				p.fail(ctx, "stream", ferr)
				return
			}
		}
		if err != nil {
			p.fail(ctx, "stream", err)
			return
		}
	}
}

// readResponseHead reads and checks the response head: status 200 and
// Content-Type video/x-flv. It returns the length of the head, the body
// bytes read with it (a slice of buf) and whether the body is chunked.
func readResponseHead(conn net.Conn, buf []byte) (headLen int, body []byte, chunked bool, err error) {
	n := 0
	for {
		if n == len(buf) {
			return 0, nil, false, protoErr("response head too long")
		}
		k, err := conn.Read(buf[n:])
		n += k
		if i := bytes.Index(buf[:n], []byte("\r\n\r\n")); i >= 0 {
			chunked, err := checkResponseHead(buf[:i])
			if err != nil {
				return 0, nil, false, err
			}
			return i + 4, buf[i+4 : n], chunked, nil
		}
		if err != nil {
			return 0, nil, false, err
		}
	}
}

// checkResponseHead checks a response head (without the final blank line)
// and reports whether the body is chunked.
func checkResponseHead(head []byte) (chunked bool, err error) {
	lines := strings.Split(string(head), "\r\n")
	proto, rest, _ := strings.Cut(lines[0], " ")
	codeText, _, _ := strings.Cut(rest, " ")
	if !strings.HasPrefix(proto, "HTTP/1.") {
		return false, protoErr("not an HTTP/1 response")
	}
	code, err := strconv.Atoi(codeText)
	if err != nil {
		return false, protoErr("bad status line")
	}
	if code != 200 {
		return false, protoErr("http status " + strconv.Itoa(code))
	}
	contentType := ""
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "content-type":
			contentType = value
		case "transfer-encoding":
			chunked = strings.EqualFold(value, "chunked") || strings.HasSuffix(strings.ToLower(value), ", chunked")
		}
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "video/x-flv" {
		return false, protoErr("content-type " + short(strconv.Quote(contentType)))
	}
	return chunked, nil
}
