package api

import "net/http"

// ClusterProvider is implemented by a Provider that answers SRS's origin
// cluster query, /api/v1/clusters?vhost=&ip=&app=&stream=&coworker=: where
// this server publishes the stream, or nil when it does not.
type ClusterProvider interface {
	Cluster(vhost, ip, app, stream, coworker string) any
}

// clusterQuery echoes the request in the answer, as SRS does.
type clusterQuery struct {
	IP     string `json:"ip"`
	Vhost  string `json:"vhost"`
	App    string `json:"app"`
	Stream string `json:"stream"`
}

type clusterData struct {
	Query  clusterQuery `json:"query"`
	Origin any          `json:"origin"`
}

func (a *apiHandler) serveClusters(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := clusterData{Query: clusterQuery{IP: q.Get("ip"), Vhost: q.Get("vhost"), App: q.Get("app"), Stream: q.Get("stream")}}
	if cp, ok := a.p.(ClusterProvider); ok {
		d.Origin = cp.Cluster(d.Query.Vhost, d.Query.IP, d.Query.App, d.Query.Stream, q.Get("coworker"))
	}
	a.replyOK(w, r, field{"data", d})
}
