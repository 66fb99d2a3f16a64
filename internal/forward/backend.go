package forward

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// BackendRequest is the body SRS posts to forward.backend at publish time.
type BackendRequest struct {
	Action    string `json:"action"` // "on_forward"
	ServerID  string `json:"server_id"`
	ServiceID string `json:"service_id"`
	ClientID  string `json:"client_id"`
	IP        string `json:"ip"`
	Vhost     string `json:"vhost"`
	App       string `json:"app"`
	TcURL     string `json:"tcUrl"`
	Stream    string `json:"stream"`
	Param     string `json:"param"`
}

// backendResponse is what the backend answers:
// {"code":0,"data":{"urls":["rtmp://host:port/app/stream?..."]}}.
type backendResponse struct {
	Code int `json:"code"`
	Data *struct {
		URLs []string `json:"urls"`
	} `json:"data"`
}

// maxBackendBody bounds the backend's answer.
const maxBackendBody = 64 << 10

// ErrBackend reports a backend answer that is not a list of URLs.
var ErrBackend = fmt.Errorf("forward: backend refused")

var backendClient = &http.Client{Timeout: 10 * time.Second}

// AskBackend posts SRS's on_forward request for st and returns the URLs
// the backend names (possibly none: do not forward).
func AskBackend(ctx context.Context, backend, serverID, serviceID string, st Stream) ([]string, error) {
	body, err := json.Marshal(BackendRequest{Action: "on_forward", ServerID: serverID, ServiceID: serviceID,
		ClientID: st.ClientID, IP: st.IP, Vhost: st.Vhost, App: st.App, TcURL: st.TcURL, Stream: st.Stream, Param: st.Param})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, backend, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("forward: backend %s: %w", backend, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := backendClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("forward: backend %s: %w", backend, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBackendBody+1))
	if err != nil {
		return nil, fmt.Errorf("forward: backend %s: %w", backend, err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("%w: %s: HTTP %d", ErrBackend, backend, resp.StatusCode)
	}
	if len(b) > maxBackendBody {
		return nil, fmt.Errorf("%w: %s: answer over %d bytes", ErrBackend, backend, maxBackendBody)
	}
	var r backendResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBackend, backend, err)
	}
	if r.Code != 0 {
		return nil, fmt.Errorf("%w: %s: code %d", ErrBackend, backend, r.Code)
	}
	if r.Data == nil {
		return nil, fmt.Errorf("%w: %s: no data.urls", ErrBackend, backend)
	}
	return r.Data.URLs, nil
}
