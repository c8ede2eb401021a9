// Package ldapserver is userdir's LDAP protocol layer (RFC 4511): it
// accepts connections (ldap://, ldaps://, StartTLS), reads and checks
// requests with github.com/go-asn1-ber/asn1-ber, hands them to a Backend
// (the directory core) and encodes the responses itself into reused
// buffers. Every field of a request is checked: a hostile packet gets a
// protocolError result or a Notice of Disconnection, never a panic, and a
// panic in a handler is recovered and answered with `other` (80).
//
// The directory is read-only: Add, Modify, Delete and ModifyDN are answered
// unwillingToPerform (53), each in its own response type.
//
// An optional Observer hears of every answered request (operation, result
// code, role, latency), for metrics; without one no clock is read.
package ldapserver
