// Package upstream is the client side of a cluster: it pulls a stream from
// another server (over RTMP, or HTTP-FLV) and pushes one to another server
// (over RTMP), following SRS's RTMP 302 redirects and HTTP redirects, and
// rotates through a list of servers with backoff when they fail. The edge
// and forward packages are built on it.
package upstream
