// Package integration runs userdir against the real software it is built to
// serve: OpenLDAP's ldapsearch (RFC 4511 search, RFC 2696 paging, RFC 2891
// sorting, RFC 4513 StartTLS, RFC 4512 root DSE and subschema), Postfix's
// ldap_table lookups through postmap, and a private Postfix instance that
// delivers RFC 5322 command messages to `userdir ingest` through a pipe
// transport.
//
// The tests build ./cmd/userdir and drive it as a separate process, as an
// administrator and an MTA would. When a program they need is missing, or
// Postfix cannot run because the tests are not root, they skip — or fail
// when CI=true, naming the Debian packages to install (ldap-utils, postfix,
// postfix-ldap).
package integration
