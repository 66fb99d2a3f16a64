// Package netpoll runs the server's connections on gnet's epoll event loops:
// listeners accept on their own goroutines and enroll each connection into
// the least loaded loop, where a Session (a protocol state machine) is fed
// by OnTraffic. No goroutine per connection.
//
// Conn implements live.Sink with writev(2) straight on the socket, from the
// shared packet buffers: gnet's outbound buffer would copy whatever the
// socket does not take at once, and grows without bound. A Conn writes
// directly only while gnet's buffer is empty, so bytes never reorder.
//
// Every byte queued for a peer is bounded. Protocol replies (Write) are
// copied when the socket is full, up to Options.MaxOutbound; a peer that
// lets more pile up is not reading, and its connection closes with
// ErrOutboundFull. Response bodies (Send) wait by reference to their shared
// buffers, written as the socket drains; a Drainer session hears when all
// is written, to send the next part or answer the next request. gnet has no
// writable callback: a second epoll instance watches the sockets whose
// output waits, one shot at a time, and the loops' tick is the fallback.
package netpoll
