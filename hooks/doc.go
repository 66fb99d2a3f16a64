// Package hooks makes SRS's HTTP callbacks: the JSON POSTs of the
// http_hooks block (on_connect, on_close, on_publish, on_unpublish, on_play,
// on_stop, on_dvr, on_hls) and the GET of on_hls_notify, with SRS's field
// names, SRS's verdict rule and SRS's order of calls, so callback services
// written for SRS 5, 6 or 7 work unchanged.
//
// A hook lists one or more URLs; they are called in order and the first that
// does not accept ends the chain. A URL accepts when it answers HTTP 200 or
// 201 with a body that is the number 0 or a JSON object whose integer field
// "code" is 0. Anything else, including a transport error or a timeout,
// rejects with an *Error that wraps ErrRejected.
//
// Call makes the calls on the caller's goroutine. Go and Notify run them on
// bounded pools of workers, for event loops that must not block: one pool
// per callback target (the hosts a call chain posts to), so that a callback
// server that hangs delays only its own calls. Per target at most
// Options.MaxConcurrent calls are in flight and Options.MaxQueued wait, and
// at most Options.MaxTargets targets have calls; beyond that a call fails
// at once with ErrBusy.
package hooks
