package metrics

import "syscall"

// uname is the host's identity, the labels of srs_node_uname_info.
type uname struct {
	sysname, nodename, release, version, machine string
}

// hostUname asks the kernel once; nil if it will not say.
func hostUname() *uname {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return nil
	}
	return &uname{
		sysname:  cString(u.Sysname[:]),
		nodename: cString(u.Nodename[:]),
		release:  cString(u.Release[:]),
		version:  cString(u.Version[:]),
		machine:  cString(u.Machine[:]),
	}
}

// cString converts a NUL-terminated utsname field, whose element type is
// int8 or uint8 depending on the architecture.
func cString[T int8 | uint8](b []T) string {
	s := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}
