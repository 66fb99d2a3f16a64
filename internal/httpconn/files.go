package httpconn

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/http1"
)

// MemoryFiles is a store of fresh files an output (HLS, HDS) serves from
// memory, so the event loop answers without touching the disk.
type MemoryFiles interface {
	// Get returns the file at an URL path, retained (the caller releases).
	Get(urlPath string) (b *buffer.Buffer, contentType string, ok bool)
}

// fileChunk is how much of a static file is read at a time; a connection
// holds at most one chunk, sent as its socket drains.
const fileChunk = 256 << 10

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

// fileHead describes a response carrying a file (or part of one).
type fileHead struct {
	status   int // 200, 206, 304 or 416
	ctype    string
	length   int64 // body bytes
	size     int64 // the whole file's, for Content-Range (-1: no ranges)
	off      int64 // of a 206's range
	modified time.Time
}

// appendFileHead appends the response head of a file.
func (s *Server) appendFileHead(dst []byte, req *http1.Request, fh fileHead) []byte {
	b := http1.AppendStatusLine(dst, fh.status)
	if fh.status != 304 {
		b = http1.AppendHeader(b, "Content-Type", fh.ctype)
		b = http1.AppendHeader(b, "Content-Length", strconv.FormatInt(fh.length, 10))
	}
	b = http1.AppendHeader(b, "Server", s.Software)
	if fh.size >= 0 {
		b = http1.AppendHeader(b, "Accept-Ranges", "bytes")
		switch fh.status {
		case 206:
			b = http1.AppendHeader(b, "Content-Range", "bytes "+strconv.FormatInt(fh.off, 10)+"-"+
				strconv.FormatInt(fh.off+fh.length-1, 10)+"/"+strconv.FormatInt(fh.size, 10))
		case 416:
			b = http1.AppendHeader(b, "Content-Range", "bytes */"+strconv.FormatInt(fh.size, 10))
		}
	}
	if !fh.modified.IsZero() {
		b = http1.AppendHeader(b, "Last-Modified", fh.modified.UTC().Format(http.TimeFormat))
	}
	if strings.HasSuffix(req.Path, ".m3u8") {
		b = http1.AppendHeader(b, "Cache-Control", "no-cache")
	}
	if s.Host.State().Config().HTTPServer.Crossdomain {
		b = http1.AppendCORS(b)
	}
	if !req.KeepAlive {
		b = http1.AppendHeader(b, "Connection", "close")
	}
	return append(b, "\r\n"...)
}

// sendBody answers with head and body (kept by reference until written;
// owner, if any, is released then), and ends the response.
func (h *conn) sendBody(req *http1.Request, head, body []byte, owner *buffer.Buffer) {
	if req.Method == "HEAD" {
		body = nil
	}
	_ = h.c.Send(head, body, owner)
	h.ended(req, head)
}

// OpenFiles is implemented by a MemoryFiles that keeps large files (HLS
// segments) as the open files it wrote: they are sent with sendfile(2)
// from the kernel's page cache, without a copy through user memory.
type OpenFiles interface {
	// GetFile returns the open file at an URL path, retained (the caller
	// releases).
	GetFile(urlPath string) (f *buffer.File, contentType string, ok bool)
}

// sendFile answers with f (its reference taken over): whole, a range of
// it, or 304, and ends the response.
func (h *conn) sendFile(req *http1.Request, f *buffer.File, ctype string) {
	fh := fileResponse(req, ctype, f.Size(), f.Modified())
	head := h.srv.appendFileHead(h.out[:0], req, fh)
	n := fh.length
	if req.Method == "HEAD" || fh.status != 200 && fh.status != 206 {
		n = 0
	}
	_ = h.c.SendFile(head, f, fh.off, n)
	h.ended(req, head)
}

// ended finishes a response whose head was sent: head's memory is the
// session's again, and the connection closes after it unless kept alive.
func (h *conn) ended(req *http1.Request, head []byte) {
	h.out = head[:0]
	if !req.KeepAlive {
		h.c.CloseGracefully()
	}
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
func (h *conn) serveMemory(req *http1.Request) bool {
	for _, m := range h.srv.Files {
		if p, ok := m.(PendingFiles); ok {
			if ch := p.Pending(req.Path); ch != nil {
				h.busy = true
				go func() {
					t := time.NewTimer(maxPendingWait)
					defer t.Stop()
					select {
					case <-ch:
					case <-t.C:
					case <-h.srv.Done:
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
func (h *conn) serveStored(req *http1.Request) bool {
	for _, m := range h.srv.Files {
		if of, ok := m.(OpenFiles); ok {
			if f, ctype, ok := of.GetFile(req.Path); ok {
				h.sendFile(req, f, ctype)
				return true
			}
		}
		b, ctype, ok := m.Get(req.Path)
		if !ok {
			continue
		}
		head := h.srv.appendFileHead(h.out[:0], req, fileHead{status: 200, ctype: ctype, length: int64(len(b.B)), size: -1})
		h.sendBody(req, head, b.B, b)
		return true
	}
	return false
}

// fileRoots are the folders files may be served from: http_server.dir and
// the outputs' folders. Nothing outside them is ever opened.
func fileRoots(cfg *config.Config) []string {
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

// fileSend is a static file being sent: the loop and one disk job at a
// time take turns with it.
type fileSend struct {
	f       *os.File
	req     *http1.Request
	off     int64 // next byte to read
	left    int64 // bytes still to send
	reading bool  // a disk job has f (the loop must not close it)
}

// serveDisk answers from disk. Opening and reading happen on the disk
// pool, never on the loop; the file goes out one chunk at a time as the
// socket drains, and the session answers nothing else meanwhile.
func (h *conn) serveDisk(req *http1.Request) error {
	roots := fileRoots(h.srv.Host.State().Config())
	fs := &fileSend{req: req, reading: true}
	h.file = fs
	c := h.c
	h.srv.Disk.Go(func() {
		var (
			fh  fileHead
			err error
		)
		fs.f, fh, err = openFile(roots, req)
		var head []byte
		if err == nil {
			head = h.srv.appendFileHead(nil, req, fh)
		}
		c.DoOrDrop(func() error {
			fs.reading = false
			if err != nil {
				h.file = nil
				if !errors.Is(err, os.ErrNotExist) {
					c.Log.Warn("http: open file", "path", req.Path, "err", err)
					return h.errorReply(req, 404)
				}
				return h.notFound(req)
			}
			fs.off, fs.left = fh.off, fh.length
			if req.Method == "HEAD" || fh.status != 200 && fh.status != 206 {
				fs.left = 0
			}
			_ = c.Send(head, nil, nil)
			return h.nextChunk()
		}, fs.close)
	})
	return nil
}

// nextChunk has the next chunk of the file read, or ends the response.
// It runs on the loop when everything sent before has drained.
func (h *conn) nextChunk() error {
	fs := h.file
	if fs == nil || fs.reading || !h.c.Drained() {
		return nil
	}
	if fs.left == 0 {
		h.file = nil
		fs.close()
		if !fs.req.KeepAlive {
			h.c.CloseGracefully()
			return nil
		}
		h.c.SetDeadline(time.Now().Add(h.srv.IdleTimeout))
		return nil
	}
	// A reader that stalls for IdleTimeout is dropped.
	h.c.SetDeadline(time.Now().Add(h.srv.IdleTimeout))
	fs.reading = true
	c := h.c
	h.srv.Disk.Go(func() {
		n := int(min(fs.left, fileChunk))
		b := buffer.GetSize(n)
		b.B = b.B[:n]
		got, err := fs.f.ReadAt(b.B, fs.off)
		if got == n {
			err = nil // io.EOF with the last byte
		}
		c.DoOrDrop(func() error {
			fs.reading = false
			if err != nil {
				b.Release()
				return fmt.Errorf("http: read %s: %w", fs.f.Name(), err)
			}
			fs.off += int64(n)
			fs.left -= int64(n)
			if err := c.Send(nil, b.B, b); err != nil {
				return err
			}
			return h.nextChunk()
		}, func() {
			b.Release()
			fs.close()
		})
	})
	return nil
}

func (fs *fileSend) close() {
	if fs.f != nil {
		_ = fs.f.Close()
	}
}

// openFile opens the file a request names and works out the response
// (fileResponse). It runs on the disk pool.
func openFile(roots []string, req *http1.Request) (*os.File, fileHead, error) {
	p, err := resolveFile(roots, req.Path)
	if err != nil {
		return nil, fileHead{}, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fileHead{}, err
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, fileHead{}, os.ErrNotExist
	}
	return f, fileResponse(req, contentType(p), fi.Size(), fi.ModTime()), nil
}

// fileResponse works out the response for a file of size bytes last
// modified then: the whole file, a range of it (206, 416), or 304 for a
// conditional GET.
func fileResponse(req *http1.Request, ctype string, size int64, modified time.Time) fileHead {
	fh := fileHead{status: 200, ctype: ctype, length: size, size: size, modified: modified}
	if ims := req.Header.Get("If-Modified-Since"); ims != "" {
		if t, err := http.ParseTime(ims); err == nil && !modified.Truncate(time.Second).After(t) {
			fh.status, fh.length = 304, 0
			return fh
		}
	}
	rng := req.Header.Get("Range")
	if ir := req.Header.Get("If-Range"); ir != "" && ir != fh.modified.UTC().Format(http.TimeFormat) {
		rng = "" // changed since: the whole file
	}
	if rng != "" {
		off, n, err := http1.ParseRange(rng, size)
		switch {
		case err == nil:
			fh.status, fh.off, fh.length = 206, off, n
		case errors.Is(err, http1.ErrRangeUnsatisfiable):
			fh.status, fh.length, fh.ctype = 416, 0, "text/plain"
		}
	}
	return fh
}
