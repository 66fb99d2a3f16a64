// Package security decides whether a client may publish or play on a vhost,
// from the vhost's security block (allow and deny rules on the client's IP
// address) and its refer block (domain lists matched against the page URL the
// client reports). Both follow SRS's evaluation exactly, so a configuration
// written for SRS admits and refuses the same clients; see Rules.Check and
// Refer.Check for the rules.
package security
