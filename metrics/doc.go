// Package metrics collects what an administrator watches of a running
// `userdir serve` into a Prometheus registry: LDAP operations by operation,
// result code and role with their latency, open connections, refused
// searches and failed binds, the snapshot's size, age and build time, and
// per division what the store's journal says — when it last applied a
// message and a sync, its messages by outcome, rejected lines, held syncs,
// conflicts, entries and whether it is stale. Package httpd serves it.
package metrics
