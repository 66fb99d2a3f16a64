//go:build !linux

package metrics

// uname is the host's identity, the labels of srs_node_uname_info.
type uname struct {
	sysname, nodename, release, version, machine string
}

// hostUname is unknown off Linux, and srs_node_uname_info is left out, as
// SRS leaves it out where it has no uname.
func hostUname() *uname { return nil }
