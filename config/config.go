// Package config loads and checks userdir's TOML configuration file (README.md#configuration).
// Every error names the key and the line it is on; division codes and
// password hashes are never printed.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"userdir/access"
	"userdir/mailmsg"
)

// The defaults of the configuration keys, defined once: the packages that
// apply them to a zero option (store, directory, ldapserver) refer to these,
// and these refer to the package that owns a value when config can import
// it without linking SQLite or LDAP (mailmsg, access).
const (
	DefaultStore           = "/var/db/userdir/userdir.db"
	DefaultNameOrder       = "family-first"
	DefaultMaxMessageBytes = mailmsg.DefaultMaxMessageBytes
	DefaultTombstoneDays   = 90
	DefaultListen          = "ldap://0.0.0.0:389"
	DefaultSuffix          = "dc=company,dc=ru"
	DefaultOrganization    = "Company"
	DefaultAnonymousRole   = string(access.Book)
	DefaultSizeLimit       = 50
	DefaultMinSubstring    = 2
	DefaultRateLimit       = 600
	DefaultIdleTimeout     = 5 * time.Minute
	DefaultMaxConns        = 1024
	DefaultMaxConnsAddr    = 128
	DefaultHarvestBudget   = 20000 // see directory.DefaultHarvestBudget and its simulation
	DefaultCharset         = mailmsg.DefaultCharset
	DefaultMaxSilence      = 36 * time.Hour
)

// Config is the whole configuration file, with defaults filled in.
type Config struct {
	Path  string // the file it was read from
	Store string // store: SQLite file path, or a postgres:// URL
	// StorePasswordFile is store_password_file: a file holding the
	// PostgreSQL password (its first line), for a URL that has none.
	StorePasswordFile string
	NameOrder         string // name_order: "family-first" (default) or "given-first"
	MaxMessageBytes   int64  // max_message_bytes: default 10 MiB
	TombstoneDays     int    // tombstone_days: default 90
	ReportTo          string // report_to: gets the summary of `userdir report`; optional
	LDAP              LDAP
	HTTP              HTTP // [http]
	Divisions         []Division
}

// HTTP is the [http] table: the listener of /metrics and /healthz, the
// search page and the phone directories (packages httpd and phonebook).
type HTTP struct {
	Listen string // listen: host:port; "" (the default) serves no HTTP
}

// LDAP is the [ldap] table.
type LDAP struct {
	Listen        []string       // listen: URLs ldap://host:port or ldaps://host:port; default ["ldap://0.0.0.0:389"]
	Suffix        string         // suffix: default "dc=company,dc=ru"
	Organization  string         // organization: the suffix entry's o
	TLSCert       string         // tls_cert: PEM file; enables ldaps:// and StartTLS
	TLSKey        string         // tls_key: PEM file
	Allow         []netip.Prefix // allow: client networks; empty means everyone
	AnonymousRole string         // anonymous_role: default "book"; "mta" only when allow lists private networks only
	SizeLimit     int            // size_limit: default 50 (anonymous book role)
	MinSubstring  int            // min_substring: default 2
	RateLimit     int            // rate_limit: anonymous searches per minute per client address; default 600, 0 = none
	IdleTimeout   time.Duration  // idle_timeout: close idle connections after; default 5m
	MaxConns      int            // max_connections: default 1024
	MaxConnsAddr  int            // max_connections_per_address: per IPv4 address or IPv6 /64, mta networks exempt; default 128
	HarvestBudget int            // harvest_budget: distinct entries per book network or account per 24 h; default 20000
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
	CIDR          netip.Prefix // cidr
	Role          string       // role: book, reader or mta
	HarvestBudget int          // harvest_budget: this network's own budget (role book); 0: ldap.harvest_budget
}

// Division is one [[division]].
type Division struct {
	ID       string   // id: stable key of its records; never shown
	Name     string   // name: the ou of its entries
	Code     string   // code: the secret in Subject
	Charset  string   // charset: for undeclared non-UTF-8 bodies; default windows-1251
	MailHost string   // mail_host: optional
	Senders  []string // senders: optional addresses, @domain (exactly) or .domain (any host under it)
	Domains  []string // domains: optional; the only domains whose addresses it may publish
	// SyncMaxDelete is sync_max_delete: how many records one sync may
	// delete before it is held. The zero value is the default, 10% of the
	// division's live records of the kind and never fewer than 5.
	SyncMaxDelete SyncLimit
	// MaxSilence is max_silence: a division with no applied message for
	// this long is stale; default 36h.
	MaxSilence time.Duration
	Admin      string // admin: gets the division's daily report; optional
}

// SyncLimit is a [[division]] sync_max_delete: a count, or a percentage.
type SyncLimit struct {
	Count   int // an absolute count, when Percent is 0 and Set
	Percent int // a percentage of the live records, 1 to 100
	Set     bool
}

// Load reads the configuration file at path, fills in defaults and checks
// it. A file that cannot be read gives a wrapped error; a file that can gives
// every problem at once, as errors.Join of *Error (see Errors).
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load for a file already read: path names it in messages, and
// relative paths in it are taken from path's directory.
func Parse(path string, data []byte) (*Config, error) {
	data = data[:len(data):len(data)] // positions are found by capacity
	idx, err := newIndex(path, data)
	if err != nil {
		return nil, errors.Join(err)
	}
	p := &problems{file: path, idx: idx}
	if checkShapes(idx, p); len(p.errs) > 0 {
		return nil, p.err()
	}
	var f fileConfig
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		decodeProblems(p, err)
		return nil, p.err()
	}
	c := build(path, &f, p)
	validate(c, p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// decodeProblems turns the decoder's errors into problems. The shape check
// has already caught unknown keys and wrong kinds; what is left here is
// mostly a key defined twice or a number too large.
func decodeProblems(p *problems, err error) {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		for i := range strict.Errors {
			decodeProblem(p, &strict.Errors[i], "unknown key")
		}
		return
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		decodeProblem(p, de, sanitize(de.Error()))
		return
	}
	p.addAt(0, "", "cannot decode") // not expected: every decoder error is one of the above
}

// decodeProblem records one decoder error, hiding the message of a secret
// key. The decoder's key has no array indexes; the index on its line does.
func decodeProblem(p *problems, de *toml.DecodeError, msg string) {
	line, _ := de.Position()
	key := strings.Join(de.Key(), ".")
	if k := de.Key(); len(k) > 0 {
		if secretKeys[k[len(k)-1]] {
			msg = "invalid value"
		}
		key = p.idx.pathAt(line, k[len(k)-1], key)
	}
	p.addAt(line, key, msg)
}

// Division returns the division whose id is id, or nil.
func (c *Config) Division(id string) *Division {
	for i := range c.Divisions {
		if c.Divisions[i].ID == id {
			return &c.Divisions[i]
		}
	}
	return nil
}

// IsPostgresURL reports whether a store setting is a PostgreSQL URL
// (postgres:// or postgresql://) rather than an SQLite file.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// resolvePath makes a relative file path relative to the directory of the
// config file. SQLite names (":memory:", "file:" URIs) and PostgreSQL URLs
// are left alone.
func resolvePath(configPath, p string) string {
	if p == "" || filepath.IsAbs(p) || p == ":memory:" || strings.HasPrefix(p, "file:") || IsPostgresURL(p) {
		return p
	}
	return filepath.Join(filepath.Dir(configPath), p)
}
