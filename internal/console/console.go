// Package console is the web console and the player page that the HTTP
// server serves at /console/ and /players/, from files embedded in the
// binary: no CDN, no disk. The pages read the server's state from the SRS
// HTTP API (CORS, basic auth asked once) and play streams with hls.js and
// mpegts.js, vendored from npm (see scripts/vendor-console.sh).
//
// Besides the files, the console answers /console/info.json: what a page
// needs to build play URLs that the HTTP API does not tell (the API's and
// RTMP's ports, each vhost's HTTP-FLV mount and HLS playlist path, whether
// the raw API may reload).
package console

import (
	"embed"
	"encoding/json"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/cascade-live/cascade/buffer"
)

//go:embed assets
var assets embed.FS

// Paths the server routes to the console.
const (
	Prefix        = "/console/"
	PlayersPrefix = "/players/"
	infoPath      = Prefix + "info.json"
)

// Info describes the server to the pages.
type Info struct {
	// API is the HTTP API's port ("" when it is off); the pages reach it
	// on the host they were loaded from.
	API string `json:"api"`
	// Auth is true when the API asks for basic credentials: the page asks
	// the user once before its first call.
	Auth bool `json:"auth"`
	// RTMP is the RTMP port ("" when none).
	RTMP string `json:"rtmp"`
	// Reload is true when the raw API allows rpc=reload.
	Reload bool          `json:"reload"`
	Vhosts []VhostOutput `json:"vhosts"`
}

// VhostOutput is what a vhost serves over HTTP, as URL templates with
// [app] and [stream] (SRS's placeholders): "" when that output is off.
type VhostOutput struct {
	Name string `json:"name"`
	// Remux is the http_remux mount without [vhost], e.g.
	// "/[app]/[stream].flv" (or .ts, .aac, .mp3).
	Remux string `json:"remux"`
	// HLS is the playlist's path, e.g. "/[app]/[stream].m3u8".
	HLS string `json:"hls"`
	// HDS is the F4M manifest's path, "/[app]/[stream].f4m".
	HDS string `json:"hds"`
	// Snapshot is the path of the stream's latest JPEG snapshot where
	// snapshots are on, e.g. "/[app]/[stream].jpg".
	Snapshot string `json:"snapshot"`
}

// Files serves the console's pages from memory. It implements the
// server's MemoryFiles (Get); it is safe for concurrent use.
type Files struct {
	files map[string]file
	info  func() Info
}

type file struct {
	b           *buffer.Buffer // holds one reference for the Files
	contentType string
}

// New loads the embedded files; info is called for each info.json request.
func New(info func() Info) *Files {
	f := &Files{files: make(map[string]file), info: info}
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, "assets/")
		urlPath := Prefix + rel
		if rel == "players.html" {
			urlPath = PlayersPrefix
		} else if rel == "index.html" {
			urlPath = Prefix
		}
		f.files[urlPath] = file{b: bufferOf(data), contentType: contentType(rel)}
		return nil
	})
	if err != nil {
		panic("console: embedded assets: " + err.Error()) // cannot happen: the files are in the binary
	}
	return f
}

func bufferOf(data []byte) *buffer.Buffer {
	b := buffer.GetSize(len(data))
	copy(b.B, data)
	return b
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".LICENSE":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// Get returns the file at urlPath, retained for the caller, who releases
// it. "/console/index.html" is "/console/", "/players/index.html" is
// "/players/".
func (f *Files) Get(urlPath string) (*buffer.Buffer, string, bool) {
	switch urlPath {
	case infoPath:
		data, err := json.Marshal(f.info())
		if err != nil {
			return nil, "", false
		}
		return bufferOf(data), "application/json", true
	case Prefix + "index.html":
		urlPath = Prefix
	case PlayersPrefix + "index.html":
		urlPath = PlayersPrefix
	}
	fl, ok := f.files[urlPath]
	if !ok {
		return nil, "", false
	}
	return fl.b.Retain(), fl.contentType, true
}

// Redirect tells where a request for urlPath goes instead: the console's
// and the player page's folders without their slash, and the site's root
// (when the server has no index page of its own) lead to them.
func Redirect(urlPath string) (location string, ok bool) {
	switch urlPath {
	case "/", "/console":
		return Prefix, true
	case "/players":
		return PlayersPrefix, true
	}
	return "", false
}
