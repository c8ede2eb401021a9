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
//
// Machine setup: those three packages (Postfix installed with debconf's
// "No configuration" is enough: the tests never read /etc/postfix/main.cf),
// the users postfix and nobody and the group postdrop that the packages
// create, and root for TestIntegrationPostfixDelivery (it starts a Postfix
// master, chowns its queue and runs the pipe as nobody). As root,
// sendmail -C and postqueue -c accept the private configuration directory
// without alternate_config_directories. Temporary files must be on a file
// system that allows exec: the pipe runs the userdir binary from there.
package integration
