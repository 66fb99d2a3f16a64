// Package hds packages live streams for Adobe HTTP Dynamic Streaming, laid
// out like SRS's hds: per stream an F4M manifest ([app]/[stream].f4m), a
// bootstrap info box ([app]/[stream].abst) describing a sliding window of
// fragments, and F4F fragments ([app]/[stream]Seg1-FragN) holding FLV tags
// in an mdat box, cut on keyframes every hds_fragment.
//
// A Muxer is a live.Output: it takes packets on the publisher's event loop
// without blocking and builds and writes fragments on its own goroutine.
// Its Store serves the current files from memory, so that an HTTP server on
// an event loop never reads the disk.
package hds
