// Package hds packages live streams for Adobe HTTP Dynamic Streaming, laid
// out like SRS's hds: per stream an F4M manifest ([app]/[stream].f4m), a
// bootstrap info box ([app]/[stream].abst) describing a sliding window of
// fragments, and F4F fragments ([app]/[stream]Seg1-FragN) holding FLV tags
// in an mdat box, cut on keyframes every hds_fragment.
//
// A Muxer is a live.Output: it takes packets on the publisher's event loop
// without blocking and builds and writes fragments on its own goroutine.
// Its Store serves the current files from memory, so that an HTTP server on
// an event loop never reads the disk. The bootstrap the Store serves also
// lists the fragment being cut, which the Store marks pending: the server
// holds a request for it until it is complete, so that a client polling the
// bootstrap never falls a fragment behind (the one on disk lists only
// complete fragments, for web servers that cannot hold a request).
package hds
