package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// IsPostgres reports whether a store setting names a PostgreSQL database
// (a libpq URL, postgres:// or postgresql://) rather than an SQLite file.
func IsPostgres(store string) bool {
	return strings.HasPrefix(store, "postgres://") || strings.HasPrefix(store, "postgresql://")
}

// Redact returns a store setting fit for a log line: a URL's password is
// replaced by xxxxx.
func Redact(store string) string {
	if !IsPostgres(store) {
		return store
	}
	u, err := url.Parse(store)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

// changesChannel is the channel of the NOTIFY that every transaction that
// changes records sends (a trigger on meta, see migrations/postgres).
const changesChannel = "userdir_changes"

// pgConfig parses o.Path as a libpq URL into a pgx configuration: the
// password from the URL, else Options.Password, else PGPASSFILE (or
// ~/.pgpass) as libpq would; the busy timeout becomes lock_timeout, and a
// read-only store's sessions are read-only.
func pgConfig(o Options) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(o.Path)
	if err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), o.Path, Redact(o.Path)))
	}
	if o.Password != "" {
		if u, err := url.Parse(o.Path); err != nil || u.User == nil || !hasPassword(u.User) {
			cfg.Password = o.Password
		}
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["lock_timeout"] = strconv.FormatInt(max(o.BusyTimeout.Milliseconds(), 1), 10)
	if o.ReadOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "userdir"
	}
	return cfg, nil
}

func hasPassword(u *url.Userinfo) bool {
	_, ok := u.Password()
	return ok
}

// openPostgres opens the database of o.Path through pgx's database/sql
// driver, with every statement passing through rebind.
func openPostgres(o Options) (*sql.DB, *pgx.ConnConfig, error) {
	cfg, err := pgConfig(o)
	if err != nil {
		return nil, nil, err
	}
	db := sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)})
	db.SetMaxIdleConns(4)
	return db, cfg, nil
}

// pgConnector hands out connections whose statements are rebound.
type pgConnector struct{ inner driver.Connector }

// pgConn must offer what pgx's own connection offers, and no more.
var (
	_ driver.ConnBeginTx        = (*pgConn)(nil)
	_ driver.ConnPrepareContext = (*pgConn)(nil)
	_ driver.ExecerContext      = (*pgConn)(nil)
	_ driver.QueryerContext     = (*pgConn)(nil)
	_ driver.Pinger             = (*pgConn)(nil)
	_ driver.SessionResetter    = (*pgConn)(nil)
	_ driver.NamedValueChecker  = (*pgConn)(nil)
)

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{conn: conn}, nil
}

func (c pgConnector) Driver() driver.Driver { return c.inner.Driver() }

// pgConn is a pgx stdlib connection whose statements pass through rebind.
// It forwards every optional interface that database/sql looks for.
type pgConn struct{ conn driver.Conn }

func (c *pgConn) Prepare(q string) (driver.Stmt, error) { return c.conn.Prepare(rebind(q)) }
func (c *pgConn) Close() error                          { return c.conn.Close() }
func (c *pgConn) Begin() (driver.Tx, error) {
	return c.conn.(driver.ConnBeginTx).BeginTx(context.Background(), driver.TxOptions{})
}

func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *pgConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.conn.(driver.ConnPrepareContext).PrepareContext(ctx, rebind(q))
}

func (c *pgConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.conn.(driver.ExecerContext).ExecContext(ctx, rebind(q), args)
}

func (c *pgConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.conn.(driver.QueryerContext).QueryContext(ctx, rebind(q), args)
}

func (c *pgConn) Ping(ctx context.Context) error { return c.conn.(driver.Pinger).Ping(ctx) }

func (c *pgConn) ResetSession(ctx context.Context) error {
	return c.conn.(driver.SessionResetter).ResetSession(ctx)
}

// CheckNamedValue makes text arguments acceptable to PostgreSQL, whose
// text holds neither NUL nor invalid UTF-8 (SQLite stores any bytes): a
// mail's rejected line or held body may have either, and must not make
// its message fail for ever. Such bytes become U+FFFD.
func (c *pgConn) CheckNamedValue(v *driver.NamedValue) error {
	if s, ok := v.Value.(string); ok && (!utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0) {
		v.Value = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	}
	return c.conn.(driver.NamedValueChecker).CheckNamedValue(v)
}

// indexedBy matches SQLite's index hints, which PostgreSQL has no use for.
var indexedBy = regexp.MustCompile(`(?i)\s+INDEXED\s+BY\s+\w+`)

// rebound caches rebind's work: the store's statements are a fixed set,
// and maxRebound bounds the cache should that ever change.
var rebound struct {
	sync.RWMutex
	m map[string]string
}

const maxRebound = 2048

// rebind turns a statement written for both engines into PostgreSQL's: ?
// placeholders (outside quotes) become $1, $2, ..., and INDEXED BY hints
// go.
func rebind(q string) string {
	rebound.RLock()
	out, ok := rebound.m[q]
	rebound.RUnlock()
	if ok {
		return out
	}
	s := indexedBy.ReplaceAllString(q, "")
	var b strings.Builder
	n, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	out = b.String()
	rebound.Lock()
	if rebound.m == nil {
		rebound.m = make(map[string]string)
	}
	if len(rebound.m) < maxRebound {
		rebound.m[q] = out
	}
	rebound.Unlock()
	return out
}

// PostgreSQL error codes the store reacts to.
const (
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgLockNotAvailable     = "55P03"
)

// pgCode returns the SQLSTATE of a PostgreSQL error, "" for other errors.
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// retryable reports whether a write that failed with err may succeed if
// run again at once: PostgreSQL aborted it for a concurrent one.
func retryable(err error) bool {
	switch pgCode(err) {
	case pgSerializationFailure, pgDeadlockDetected:
		return true
	}
	return false
}

// where names the store in errors and logs, never with its password.
func (s *Store) where() string { return Redact(s.opt.Path) }
