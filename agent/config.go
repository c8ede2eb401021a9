package agent

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"userdir/config"
	"userdir/mailmsg"
)

// Defaults of the configuration.
const (
	DefaultSyncEvery = 24 * time.Hour
	DefaultInterval  = 15 * time.Minute
	DefaultTimeout   = time.Minute
	DefaultSendmail  = "/usr/sbin/sendmail"
	DefaultMaxShrink = "10%"
	// MinShrinkAllowed is the fewest deletions a percentage max_shrink allows.
	MinShrinkAllowed = 5
)

// Drivers of [source].
const (
	DriverMySQL    = "mysql"
	DriverPostgres = "postgres"
	DriverSQLite   = "sqlite"
	DriverCSV      = "csv"
	DriverCommand  = "command"
)

// Config is the agent's configuration, read from its own TOML file.
type Config struct {
	Path      string        // the file it was read from
	To        string        // to: the centre's mailbox that userdir ingest reads
	From      string        // from: envelope sender and From: of the messages
	CodeFile  string        // division_code_file: a file holding the division code
	State     string        // state: the state file (default: the config file's name + ".state")
	SyncEvery time.Duration // sync_every: time between full syncs
	Interval  time.Duration // interval: time between runs when not -once
	MaxBytes  int64         // max_message_bytes: the centre's limit; larger changes are split
	MaxShrink Shrink        // max_shrink: the most deletions one run may send
	Source    Source        // [source]
	Send      Send          // [send]
}

// Source is the [source] table: where the branch's accounts are read from.
type Source struct {
	Driver  string        // driver: mysql, postgres, sqlite, csv or command
	DSN     string        // dsn: for the SQL drivers
	Query   string        // query: for the SQL drivers; columns named after command keys
	File    string        // file: for csv
	Command []string      // command: argv of a program writing CSV to stdout
	Timeout time.Duration // timeout: for the query or the command
}

// Send is the [send] table: how messages leave.
type Send struct {
	Sendmail string        // sendmail: program run as "sendmail -t -i -f FROM" (default)
	SMTP     string        // smtp: host:port of a relay; replaces sendmail when set
	Insecure bool          // insecure: do not verify the relay's STARTTLS certificate
	Timeout  time.Duration // timeout: for one submission
}

// Shrink is max_shrink: a percentage of the records last accepted (never
// fewer than MinShrinkAllowed), or a count.
type Shrink struct {
	Percent bool
	N       int
}

// Allowed returns how many deletions one run may send when before records
// were last accepted.
func (s Shrink) Allowed(before int) int {
	if !s.Percent {
		return s.N
	}
	return max(MinShrinkAllowed, before*s.N/100)
}

// String returns s as written in the file.
func (s Shrink) String() string {
	if s.Percent {
		return strconv.Itoa(s.N) + "%"
	}
	return strconv.Itoa(s.N)
}

// fileConfig mirrors the file as written; pointers tell absent keys.
type fileConfig struct {
	To        string     `toml:"to"`
	From      string     `toml:"from"`
	CodeFile  string     `toml:"division_code_file"`
	State     string     `toml:"state"`
	SyncEvery *string    `toml:"sync_every"`
	Interval  *string    `toml:"interval"`
	MaxBytes  *int64     `toml:"max_message_bytes"`
	MaxShrink *string    `toml:"max_shrink"`
	Source    fileSource `toml:"source"`
	Send      fileSend   `toml:"send"`
}

type fileSource struct {
	Driver  string   `toml:"driver"`
	DSN     string   `toml:"dsn"`
	Query   string   `toml:"query"`
	File    string   `toml:"file"`
	Command []string `toml:"command"`
	Timeout *string  `toml:"timeout"`
}

type fileSend struct {
	Sendmail string  `toml:"sendmail"`
	SMTP     string  `toml:"smtp"`
	Insecure bool    `toml:"insecure"`
	Timeout  *string `toml:"timeout"`
}

// LoadConfig reads and checks the agent's configuration file. Every
// problem is returned at once, joined, each a *config.Error.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return ParseConfig(path, data)
}

// ParseConfig is LoadConfig for a file already read; relative paths in it
// are taken from path's directory.
func ParseConfig(path string, data []byte) (*Config, error) {
	lines, err := keyLines(data)
	if err != nil {
		err.File = path
		return nil, err
	}
	c := &checker{file: path, lines: lines}
	var f fileConfig
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		c.decodeErr(err)
		return nil, c.err()
	}
	cfg := c.build(path, &f)
	return cfg, c.err()
}

// checker collects the problems of one file.
type checker struct {
	file  string
	lines map[string]int
	errs  []*config.Error
}

func (c *checker) add(key, format string, args ...any) {
	line := c.lines[key]
	if line == 0 {
		line = c.lines[key[:max(0, strings.LastIndexByte(key, '.'))]]
	}
	c.errs = append(c.errs, &config.Error{File: c.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	sort.SliceStable(c.errs, func(i, j int) bool { return c.errs[i].Line < c.errs[j].Line })
	errs := make([]error, len(c.errs))
	for i, e := range c.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// decodeErr records the decoder's errors: unknown keys and wrong kinds.
func (c *checker) decodeErr(err error) {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		for i := range strict.Errors {
			line, _ := strict.Errors[i].Position()
			c.errs = append(c.errs, &config.Error{File: c.file, Line: line, Key: strings.Join(strict.Errors[i].Key(), "."), Msg: "unknown key"})
		}
		return
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, _ := de.Position()
		key := strings.Join(de.Key(), ".")
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		if key == "source.dsn" {
			msg = "invalid value"
		}
		c.errs = append(c.errs, &config.Error{File: c.file, Line: line, Key: key, Msg: msg})
		return
	}
	c.errs = append(c.errs, &config.Error{File: c.file, Msg: err.Error()})
}

// build fills in defaults and checks every value.
func (c *checker) build(path string, f *fileConfig) *Config {
	cfg := &Config{
		Path: path, To: f.To, From: f.From,
		CodeFile:  resolve(path, f.CodeFile),
		State:     resolve(path, f.State),
		SyncEvery: c.duration("sync_every", f.SyncEvery, DefaultSyncEvery),
		Interval:  c.duration("interval", f.Interval, DefaultInterval),
		MaxBytes:  mailmsg.DefaultMaxMessageBytes,
		Source: Source{Driver: f.Source.Driver, DSN: f.Source.DSN, Query: f.Source.Query,
			File: resolve(path, f.Source.File), Command: f.Source.Command,
			Timeout: c.duration("source.timeout", f.Source.Timeout, DefaultTimeout)},
		Send: Send{Sendmail: f.Send.Sendmail, SMTP: f.Send.SMTP, Insecure: f.Send.Insecure,
			Timeout: c.duration("send.timeout", f.Send.Timeout, DefaultTimeout)},
	}
	if cfg.State == "" {
		cfg.State = path + ".state"
	}
	if f.MaxBytes != nil {
		cfg.MaxBytes = *f.MaxBytes
		if cfg.MaxBytes < 4096 {
			c.add("max_message_bytes", "must be at least 4096")
		}
	}
	cfg.MaxShrink = c.shrink(or(f.MaxShrink, DefaultMaxShrink))
	c.addresses(cfg)
	c.source(&cfg.Source)
	if cfg.Send.SMTP != "" {
		if _, _, err := net.SplitHostPort(cfg.Send.SMTP); err != nil {
			c.add("send.smtp", "want host:port, got %q", cfg.Send.SMTP)
		}
	} else if cfg.Send.Sendmail == "" {
		cfg.Send.Sendmail = DefaultSendmail
	}
	return cfg
}

// addresses checks to and from.
func (c *checker) addresses(cfg *Config) {
	for _, a := range []struct{ key, v string }{{"to", cfg.To}, {"from", cfg.From}} {
		if a.v == "" {
			c.add(a.key, "is required: an address")
			continue
		}
		if p, err := mail.ParseAddress(a.v); err != nil || p.Name != "" {
			c.add(a.key, "want a bare address such as userdir@company.ru, got %q", a.v)
		}
	}
}

// source checks [source] for its driver.
func (c *checker) source(s *Source) {
	switch s.Driver {
	case DriverMySQL, DriverPostgres, DriverSQLite:
		if s.DSN == "" {
			c.add("source.dsn", "is required for driver %q", s.Driver)
		}
		if strings.TrimSpace(s.Query) == "" {
			c.add("source.query", "is required for driver %q: a SELECT whose columns are named eml, name, …", s.Driver)
		}
	case DriverCSV:
		if s.File == "" {
			c.add("source.file", "is required for driver \"csv\"")
		}
	case DriverCommand:
		if len(s.Command) == 0 || s.Command[0] == "" {
			c.add("source.command", "is required for driver \"command\": the program and its arguments, e.g. [\"/usr/local/bin/export\", \"--csv\"]")
		}
	case "":
		c.add("source.driver", "is required: mysql, postgres, sqlite, csv or command")
	default:
		c.add("source.driver", "unknown driver %q: want mysql, postgres, sqlite, csv or command", s.Driver)
	}
}

// duration parses the value of key, or returns def when it is absent.
func (c *checker) duration(key string, v *string, def time.Duration) time.Duration {
	if v == nil {
		return def
	}
	d, err := time.ParseDuration(*v)
	if err != nil || d <= 0 {
		c.add(key, "want a positive duration such as \"24h\" or \"15m\", got %q", *v)
		return def
	}
	return d
}

// shrink parses max_shrink: "10%" or a count such as "20".
func (c *checker) shrink(v string) Shrink {
	num, pct := strings.CutSuffix(strings.TrimSpace(v), "%")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || (pct && n > 100) {
		c.add("max_shrink", "want a percentage such as \"10%%\" or a count such as \"20\", got %q", v)
		return Shrink{Percent: true, N: 10}
	}
	return Shrink{Percent: pct, N: n}
}

func or[T any](v *T, def T) T {
	if v == nil {
		return def
	}
	return *v
}

// resolve makes a relative path relative to the config file's directory.
func resolve(configPath, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(configPath), p)
}

// keyLines maps every "table.key" and "table" of a TOML document to its
// line. A syntax error comes back as a *config.Error with its line.
func keyLines(data []byte) (map[string]int, *config.Error) {
	lineAt := func(off uint32) int { return bytes.Count(data[:off], []byte("\n")) + 1 }
	lines := map[string]int{}
	var p unstable.Parser
	p.Reset(data)
	table := ""
	for p.NextExpression() {
		e := p.Expression()
		var parts []string
		line := 0
		for it := e.Key(); it.Next(); {
			if line == 0 {
				line = lineAt(it.Node().Raw.Offset)
			}
			parts = append(parts, string(it.Node().Data))
		}
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = strings.Join(parts, ".")
			lines[table] = line
		case unstable.KeyValue:
			key := strings.Join(parts, ".")
			if table != "" {
				key = table + "." + key
			}
			lines[key] = line
		}
	}
	if err := p.Error(); err != nil {
		e := &config.Error{Msg: "invalid TOML: " + err.Error()}
		var pe *unstable.ParserError
		if errors.As(err, &pe) {
			e.Line = p.Shape(p.Range(pe.Highlight)).Start.Line
		}
		return nil, e
	}
	return lines, nil
}

// ReadCode returns the division code: from the file c names (its first
// line, trimmed), else from getenv("USERDIR_DIVISION_CODE"). It is never
// taken from the command line, where every user sees it.
func (c *Config) ReadCode(getenv func(string) string) (string, error) {
	if c.CodeFile != "" {
		b, err := os.ReadFile(c.CodeFile)
		if err != nil {
			return "", fmt.Errorf("division_code_file: %w", err)
		}
		first, _, _ := strings.Cut(string(b), "\n")
		if code := strings.TrimSpace(first); code != "" {
			return code, nil
		}
		return "", fmt.Errorf("division_code_file %s: empty", c.CodeFile)
	}
	if code := strings.TrimSpace(getenv("USERDIR_DIVISION_CODE")); code != "" {
		return code, nil
	}
	return "", errors.New("no division code: set division_code_file in the config, or $USERDIR_DIVISION_CODE")
}
