package coworkers

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// coworker answers /api/v1/clusters with body, and records the query.
func coworker(t *testing.T, body string, queries *[]string) string {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/clusters" {
			http.NotFound(w, r)
			return
		}
		*queries = append(*queries, r.URL.RawQuery)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

func TestFind(t *testing.T) {
	var q []string
	srsHas := `{"code":0,"data":{"query":{"ip":"1.2.3.4","vhost":"__defaultVhost__","app":"live","stream":"s"},` +
		`"origin":{"ip":"10.0.0.9","port":19350,"vhost":"__defaultVhost__","api":"10.0.0.9:1985","routers":["10.0.0.9:1985"]}}}`
	lacks := coworker(t, `{"code":0,"data":{"query":{},"origin":null}}`, &q)
	garbage := coworker(t, `<html>`, &q)
	failing := coworker(t, `{"code":1}`, &q)
	has := coworker(t, srsHas, &q)
	dead := func() string {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		defer ln.Close()
		return ln.Addr().String()
	}()
	o, err := Find(context.Background(), []string{dead, lacks, garbage, failing, has}, "__defaultVhost__", "1.2.3.4", "live", "s")
	require.NoError(t, err)
	require.Equal(t, "10.0.0.9:19350", o.RTMP())
	require.Equal(t, "", o.HTTP(), "SRS does not say its HTTP port")
	require.Len(t, q, 4)
	require.Equal(t, "vhost=__defaultVhost__&ip=1.2.3.4&app=live&stream=s&coworker="+has, q[3], "SRS's query")

	_, err = Find(context.Background(), []string{lacks, garbage}, "__defaultVhost__", "h", "live", "s")
	require.ErrorIs(t, err, ErrNotFound)
}

func TestDescribe(t *testing.T) {
	addr := func(s string) net.Addr { a, _ := net.ResolveTCPAddr("tcp", s); return a }
	o := Describe(addr("0.0.0.0:1935"), addr("0.0.0.0:8080"), addr("0.0.0.0:1985"), "v", "192.168.1.5:1985")
	require.Equal(t, &Origin{IP: "192.168.1.5", Port: 1935, Vhost: "v", API: "192.168.1.5:1985",
		Routers: []string{"192.168.1.5:1985"}, HTTPPort: 8080}, o)
	o = Describe(addr("10.0.0.1:19350"), nil, nil, "v", "x:1")
	require.Equal(t, &Origin{IP: "10.0.0.1", Port: 19350, Vhost: "v"}, o)
}
