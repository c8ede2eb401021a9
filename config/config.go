// Package config loads and checks userdir's TOML configuration file (SPEC §3).
// Every error names the key and the line it is on; division codes and
// password hashes are never printed.
package config

import (
	"net/netip"
	"time"
)

// Config is the whole configuration file, with defaults filled in.
type Config struct {
	Path            string // the file it was read from
	Store           string // store: SQLite file path
	NameOrder       string // name_order: "family-first" (default) or "given-first"
	MaxMessageBytes int64  // max_message_bytes: default 10 MiB
	TombstoneDays   int    // tombstone_days: default 90
	LDAP            LDAP
	Divisions       []Division
}

// LDAP is the [ldap] table.
type LDAP struct {
	Listen        []string       // listen: URLs ldap://host:port or ldaps://host:port; default ["ldap://0.0.0.0:389"]
	Suffix        string         // suffix: default "dc=company,dc=ru"
	Organization  string         // organization: the suffix entry's o
	TLSCert       string         // tls_cert: PEM file; enables ldaps:// and StartTLS
	TLSKey        string         // tls_key: PEM file
	Allow         []netip.Prefix // allow: client networks; empty means everyone
	AnonymousRole string         // anonymous_role: default "book"; never "mta"
	SizeLimit     int            // size_limit: default 50 (anonymous book role)
	MinSubstring  int            // min_substring: default 2
	RateLimit     int            // rate_limit: anonymous searches per minute per client address; default 600, 0 = none
	IdleTimeout   time.Duration  // idle_timeout: close idle connections after; default 5m
	MaxConns      int            // max_connections: default 1024
	Accounts      []Account      // [[ldap.account]]
	Networks      []Network      // [[ldap.network]]
}

// Account is one [[ldap.account]]: a simple-bind identity.
type Account struct {
	DN           string // dn
	PasswordHash string // password_hash: bcrypt
	Role         string // role: book, reader or mta
}

// Network is one [[ldap.network]]: a role given by client address, without a bind.
type Network struct {
	CIDR netip.Prefix // cidr
	Role string       // role: book, reader or mta
}

// Division is one [[division]].
type Division struct {
	ID       string   // id: stable key of its records; never shown
	Name     string   // name: the ou of its entries
	Code     string   // code: the secret in Subject
	Charset  string   // charset: for undeclared non-UTF-8 bodies; default windows-1251
	MailHost string   // mail_host: optional
	Senders  []string // senders: optional addresses or @domains
}
