package api

import (
	"net/http"
	"strconv"
)

func (a *apiHandler) serveRoot(w http.ResponseWriter, r *http.Request) {
	a.replyOK(w, r, field{"urls", map[string]string{"api": "the api root"}})
}

func (a *apiHandler) serveAPIIndex(w http.ResponseWriter, r *http.Request) {
	a.replyOK(w, r, field{"urls", map[string]string{"v1": "the api version 1.0"}})
}

// serveV1Index lists the endpoints cascade serves, with SRS's descriptions.
func (a *apiHandler) serveV1Index(w http.ResponseWriter, r *http.Request) {
	a.replyOK(w, r, field{"urls", map[string]string{
		"versions":  "the version of SRS",
		"summaries": "the summary(pid, argv, pwd, cpu, mem) of SRS",
		"vhosts":    "manage all vhosts or specified vhost",
		"streams":   "manage all streams or specified stream",
		"clients":   "manage all clients or specified client, default query top 10 clients",
		"raw":       "raw api for srs, support CUID srs for instance the config",
		"clusters":  "origin cluster server API",
	}})
}

func (a *apiHandler) serveVersions(w http.ResponseWriter, r *http.Request) {
	a.replyOK(w, r, field{"data", a.version})
}

func (a *apiHandler) serveSummaries(w http.ResponseWriter, r *http.Request) {
	a.replyOK(w, r, field{"data", a.p.Summary()})
}

func (a *apiHandler) serveVhosts(w http.ResponseWriter, r *http.Request) {
	a.replyOK(w, r, field{"vhosts", nonNil(a.p.Vhosts())})
}

func (a *apiHandler) serveVhost(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, v := range a.p.Vhosts() {
		if v.ID == id {
			a.replyOK(w, r, field{"vhost", v})
			return
		}
	}
	replyCode(w, r, CodeVhostNotFound)
}

func (a *apiHandler) serveStreams(w http.ResponseWriter, r *http.Request) {
	all := a.p.Streams()
	a.replyOK(w, r, field{"total", len(all)}, field{"streams", page(r, all)})
}

func (a *apiHandler) serveStream(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, s := range a.p.Streams() {
		if s.ID == id {
			a.replyOK(w, r, field{"stream", s})
			return
		}
	}
	replyCode(w, r, CodeStreamNotFound)
}

func (a *apiHandler) serveClients(w http.ResponseWriter, r *http.Request) {
	all := a.p.Clients()
	a.replyOK(w, r, field{"total", len(all)}, field{"clients", page(r, all)})
}

func (a *apiHandler) serveClient(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, c := range a.p.Clients() {
		if c.ID == id {
			a.replyOK(w, r, field{"client", c})
			return
		}
	}
	replyCode(w, r, CodeClientNotFound)
}

// kickClient disconnects a client: DELETE /api/v1/clients/{id}.
func (a *apiHandler) kickClient(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id == "" || !a.p.Kick(id) {
		replyCode(w, r, CodeClientNotFound)
		return
	}
	a.replyOK(w, r)
}

// serveRaw is the raw API; cascade serves its rpc=reload only.
func (a *apiHandler) serveRaw(w http.ResponseWriter, r *http.Request) {
	if !a.opts.RawAPI {
		replyCode(w, r, CodeRawAPIDisabled)
		return
	}
	if rpc := r.URL.Query().Get("rpc"); rpc != "reload" {
		replyCode(w, r, CodeRawAPI)
		return
	}
	if !a.opts.AllowReload {
		replyCode(w, r, CodeRawAPIDisabled)
		return
	}
	if err := a.p.Reload(); err != nil {
		replyCode(w, r, CodeReloadFailed)
		return
	}
	replyCode(w, r, CodeSuccess)
}

// page cuts items as SRS pages lists: from ?start= (0 by default), at least
// 10 items, more if ?count= asks for more.
func page[T any](r *http.Request, items []T) []T {
	q := r.URL.Query()
	start, _ := strconv.Atoi(q.Get("start"))
	count, _ := strconv.Atoi(q.Get("count"))
	start = max(start, defaultStart)
	count = max(count, minCount)
	if start >= len(items) {
		return []T{}
	}
	end := len(items)
	if count < end-start { // compared this way round, a huge count cannot overflow
		end = start + count
	}
	return items[start:end]
}

// nonNil keeps an empty list a JSON array rather than null.
func nonNil[T any](items []T) []T {
	if items == nil {
		return []T{}
	}
	return items
}
