package server

import (
	"errors"
	"io"
	"mime"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/http1"
)

// MemoryFiles is a store of fresh files an output (HLS, HDS) serves from
// memory, so the event loop answers without touching the disk.
type MemoryFiles interface {
	// Get returns the file at an URL path, retained (the caller releases).
	Get(urlPath string) (b *buffer.Buffer, contentType string, ok bool)
}

// maxStaticFile bounds a file read from disk for one response.
const maxStaticFile = 256 << 20

var contentTypes = map[string]string{
	".m3u8": "application/vnd.apple.mpegurl",
	".ts":   "video/mp2t",
	".flv":  "video/x-flv",
	".f4m":  "application/f4m+xml",
	".f4v":  "video/f4v",
	".aac":  "audio/aac",
	".mp3":  "audio/mpeg",
	".mp4":  "video/mp4",
	".key":  "application/octet-stream",
	".abst": "application/octet-stream",
}

func contentType(p string) string {
	ext := strings.ToLower(path.Ext(p))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if strings.Contains(p, "Seg") && strings.Contains(p, "-Frag") {
		return "video/f4f"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// appendFileHead appends the response head of a whole file.
func (s *Server) appendFileHead(dst []byte, req *http1.Request, ctype string, size int) []byte {
	b := http1.AppendStatusLine(dst, 200)
	b = http1.AppendHeader(b, "Content-Type", ctype)
	b = http1.AppendHeader(b, "Content-Length", strconv.Itoa(size))
	b = http1.AppendHeader(b, "Server", "cascade/"+Version)
	if strings.HasSuffix(req.Path, ".m3u8") {
		b = http1.AppendHeader(b, "Cache-Control", "no-cache")
	}
	if s.state.Load().cfg.HTTPServer.Crossdomain {
		b = http1.AppendCORS(b)
	}
	if !req.KeepAlive {
		b = http1.AppendHeader(b, "Connection", "close")
	}
	return append(b, "\r\n"...)
}

// PendingFiles is implemented by a MemoryFiles whose index lists a file
// before it is complete (HDS's fragment in progress): a request for it is
// held until the channel Pending returns is closed.
type PendingFiles interface {
	Pending(urlPath string) <-chan struct{}
}

// maxPendingWait bounds how long a request waits for a pending file.
const maxPendingWait = 30 * time.Second

// serveMemory answers from an output's in-memory files, once a pending
// one is complete.
func (h *httpSession) serveMemory(req *http1.Request) bool {
	for _, m := range h.srv.memoryFiles() {
		if p, ok := m.(PendingFiles); ok {
			if ch := p.Pending(req.Path); ch != nil {
				h.busy = true
				go func() {
					t := time.NewTimer(maxPendingWait)
					defer t.Stop()
					select {
					case <-ch:
					case <-t.C:
					case <-h.srv.done:
					}
					h.c.Do(func() error {
						h.busy = false
						if !h.serveStored(req) {
							return h.errorReply(req, 404)
						}
						return nil
					})
				}()
				return true
			}
		}
	}
	return h.serveStored(req)
}

// serveStored answers from an output's in-memory files as they are.
func (h *httpSession) serveStored(req *http1.Request) bool {
	for _, m := range h.srv.memoryFiles() {
		b, ctype, ok := m.Get(req.Path)
		if !ok {
			continue
		}
		head := h.srv.appendFileHead(h.out[:0], req, ctype, len(b.B))
		if req.Method == "HEAD" {
			_, _ = h.c.Write(head)
		} else {
			// gnet copies what the socket does not take: b is free after.
			_, _ = h.c.Conn.Writev([][]byte{head, b.B})
			h.c.BytesOut.Add(uint64(len(head) + len(b.B)))
		}
		b.Release()
		h.out = head[:0]
		if !req.KeepAlive {
			h.c.CloseGracefully()
		}
		return true
	}
	return false
}

// fileRoots are the folders files may be served from: http_server.dir and
// the outputs' folders. Nothing outside them is ever opened.
func (s *Server) fileRoots() []string {
	cfg := s.Config()
	var roots []string
	if cfg.HTTPServer.Dir != "" {
		roots = append(roots, cfg.HTTPServer.Dir)
	}
	for _, v := range cfg.Vhosts {
		for _, block := range []string{"hls", "hds"} {
			b := v.Block.Get(block)
			if b == nil {
				continue
			}
			for _, key := range []string{"hls_path", "hds_path"} {
				if p := b.Get(key).Arg0(); p != "" {
					roots = append(roots, p)
				}
			}
		}
	}
	return roots
}

// resolveFile maps an URL path to a regular file inside one of the roots.
func resolveFile(roots []string, urlPath string) (string, error) {
	clean := path.Clean("/" + urlPath)
	if strings.HasSuffix(clean, "/") || clean == "/" {
		clean = path.Join(clean, "index.html")
	}
	for _, root := range roots {
		absRoot, err := filepath.Abs(root)
		if err != nil {
			continue
		}
		p := filepath.Join(absRoot, filepath.FromSlash(clean))
		if p != absRoot && !strings.HasPrefix(p, absRoot+string(filepath.Separator)) {
			continue // cannot happen after Clean; refuse anyway
		}
		// Refuse symbolic links that lead outside the root.
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			continue
		}
		realRoot, err := filepath.EvalSymlinks(absRoot)
		if err != nil || !strings.HasPrefix(real, realRoot+string(filepath.Separator)) {
			continue
		}
		fi, err := os.Stat(real)
		if err != nil {
			continue
		}
		if fi.IsDir() {
			if p2, err := resolveFile([]string{root}, path.Join(clean, "index.html")); err == nil {
				return p2, nil
			}
			continue
		}
		if fi.Mode().IsRegular() {
			return real, nil
		}
	}
	return "", os.ErrNotExist
}

// errTooLarge refuses a static file over maxStaticFile.
var errTooLarge = errors.New("server: file too large")

func readBounded(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxStaticFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxStaticFile {
		return nil, errTooLarge
	}
	return b, nil
}

// serveDisk answers from disk, reading on another goroutine: the loop never
// waits for a disk. The session holds further requests until it is done.
func (h *httpSession) serveDisk(req *http1.Request) error {
	roots := h.srv.fileRoots()
	p, err := resolveFile(roots, req.Path)
	if err != nil {
		return h.errorReply(req, 404)
	}
	h.busy = true
	c := h.c
	go func() {
		data, err := readBounded(p)
		var bufs [][]byte
		if err != nil {
			c.Log.Warn("http: read file", "path", p, "err", err)
			bufs = [][]byte{http1.AppendError(nil, 404, req.KeepAlive)}
		} else {
			bufs = [][]byte{h.srv.appendFileHead(nil, req, contentType(p), len(data))}
			if req.Method != "HEAD" {
				bufs = append(bufs, data)
			}
		}
		werr := c.Conn.AsyncWritev(bufs, func(gnet.Conn, error) error {
			// Back on the loop.
			for _, b := range bufs {
				c.BytesOut.Add(uint64(len(b)))
			}
			h.busy = false
			if !req.KeepAlive {
				c.CloseGracefully()
				return nil
			}
			if terr := h.OnTraffic(c); terr != nil {
				c.Fail(terr)
			}
			return nil
		})
		if werr != nil {
			c.Log.Debug("http: connection gone before the file was read", "err", werr)
		}
	}()
	return nil
}

// memoryFiles lists the in-memory stores of the outputs.
func (s *Server) memoryFiles() []MemoryFiles { return s.memFiles }
