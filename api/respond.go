package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// field is one member of a response object after the envelope.
type field struct {
	key   string
	value any
}

// envelope is what SRS puts first in every successful response.
type envelope struct {
	Code    int    `json:"code"`
	Server  string `json:"server"`
	Service string `json:"service"`
	Pid     string `json:"pid"`
}

// replyOK writes the envelope with code 0 followed by fields, in order.
func (a *apiHandler) replyOK(w http.ResponseWriter, r *http.Request, fields ...field) {
	head, err := json.Marshal(envelope{Code: CodeSuccess, Server: a.opts.ServerID, Service: a.serviceID, Pid: a.pid})
	if err != nil {
		http.Error(w, "encode envelope: "+err.Error(), http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	b.Write(head[:len(head)-1]) // drop the closing brace to append fields
	for _, f := range fields {
		v, err := json.Marshal(f.value)
		if err != nil {
			http.Error(w, "encode "+f.key+": "+err.Error(), http.StatusInternalServerError)
			return
		}
		b.WriteString(`,"` + f.key + `":`)
		b.Write(v)
	}
	b.WriteByte('}')
	writeJSON(w, r, b.Bytes())
}

// replyCode writes SRS's error form: {"code":N} alone, with HTTP 200.
func replyCode(w http.ResponseWriter, r *http.Request, code int) {
	writeJSON(w, r, []byte(`{"code":`+strconv.Itoa(code)+`}`))
}

// writeJSON writes body as JSON, or as JSONP when the request names a
// callback: "fn(body)" as JavaScript.
func writeJSON(w http.ResponseWriter, r *http.Request, body []byte) {
	h := w.Header()
	callback := r.URL.Query().Get("callback")
	if callback == "" {
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
		return
	}
	h.Set("Content-Type", "text/javascript")
	h.Set("Content-Length", strconv.Itoa(len(callback)+len(body)+2))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(callback + "("))
	_, _ = w.Write(body)
	_, _ = w.Write([]byte(")"))
}

// validCallback reports whether a JSONP callback name is safe to echo into
// JavaScript: SRS allows letters, digits, '.', '_' and '-' only.
func validCallback(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}
