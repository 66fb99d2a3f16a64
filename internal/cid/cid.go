// Package cid makes the short random context ids that name connections and
// streams in logs, the HTTP API and callbacks, as SRS's do.
package cid

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

var encoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// New returns 8 random lowercase letters and digits.
func New() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(encoding.EncodeToString(b[:]))
}
