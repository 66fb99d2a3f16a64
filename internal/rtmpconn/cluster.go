package rtmpconn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cascade-live/cascade/internal/edge"
	"github.com/cascade-live/cascade/internal/streamreq"
	"github.com/cascade-live/cascade/rtmp"
	"github.com/cascade-live/cascade/rtmp/client"
)

// redirectTimeout is how long a redirected RTMP client may take to leave,
// as SRS waits for it.
const redirectTimeout = 3 * time.Second

// playOrRedirect starts a play, unless the vhost is part of an origin
// cluster and another origin publishes the stream: then the client gets
// SRS's RTMP 302 (NetConnection.Connect.Rejected with ex.redirect) and a
// stream no origin publishes is refused, as SRS does.
func (r *session) playOrRedirect(p *rtmp.PlayParams) error {
	cc := r.host.Cluster(r.vhost)
	if !cc.OriginCluster || r.host.Publishing(r.vhost.Name, r.req.App, r.req.Stream) {
		return r.startPlay(p)
	}
	req := r.req
	r.paused = true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		origin, ok := r.host.Locate(ctx, cc, &req)
		r.do(func() error {
			r.paused = false
			if !ok {
				r.status("error", rtmp.CodePlayStreamNotFound, "no origin of the cluster publishes "+req.StreamURL())
				return fmt.Errorf("rtmp: play %s: no origin of the cluster publishes it: %w", req.StreamURL(), ErrRejected)
			}
			to := "rtmp://" + origin + "/" + req.App + "/" + req.Stream + streamQuery(req.Vhost, req.Param)
			r.reply(r.streamID, rtmp.RedirectStatus(to))
			r.c.SetDeadline(time.Now().Add(redirectTimeout))
			r.c.Log.Info("rtmp play redirected to the origin of the stream", "stream", req.StreamURL(), "to", to)
			return nil
		})
	}()
	return errPause
}

// streamQuery is the query of a redirect's stream, as SRS writes it: the
// vhost (unless the default one) and the client's own parameters.
func streamQuery(vhost, param string) string {
	q := strings.TrimPrefix(param, "?")
	if vhost != "" && vhost != streamreq.DefaultVhost && !strings.Contains(q, "vhost=") {
		q = strings.TrimPrefix(q+"&vhost="+vhost, "&")
	}
	if q == "" {
		return ""
	}
	return "?" + q
}

// traverseToken is SRS's token_traverse on an edge: the client's connect
// (its tcUrl, with ?token=…) is made to the origins, in order, and the
// first origin that answers decides; origins that cannot be reached are
// skipped.
func (r *session) traverseToken(cc *edge.Config, cmd *rtmp.Command, p *rtmp.ConnectParams) error {
	r.paused = true
	origins, app := cc.Origins, r.req.App
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error = errNoOrigin
		for _, o := range origins {
			var c *client.Conn
			c, err = client.Dial(ctx, "rtmp://"+o+"/"+app, client.WithTcURL(p.TcURL))
			if err == nil {
				c.Close()
				break
			}
			var se *client.StatusError
			if errors.As(err, &se) {
				break // the origin said no
			}
			r.host.ClusterLog().Warn("token_traverse: origin unreachable, trying the next", "origin", o, "err", err)
		}
		r.do(func() error {
			r.paused = false
			if err != nil {
				r.reply(0, rtmp.ConnectRejected(cmd.TransactionID, "rejected by the origin (token_traverse)"))
				return fmt.Errorf("rtmp: token_traverse: %w: %w", ErrRejected, err)
			}
			r.acceptConnect(cmd, p)
			return nil
		})
	}()
	return errPause
}

var errNoOrigin = errors.New("no origin configured")
