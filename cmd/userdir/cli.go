package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"userdir/config"
)

// Exit statuses (sysexits.h where one applies).
const (
	exitOK       = 0
	exitFailure  = 1
	exitUsage    = 2  // bad command line
	exitTempFail = 75 // EX_TEMPFAIL: the MTA keeps the message and retries
	exitConfig   = 78 // EX_CONFIG: the configuration is wrong
)

// defaultConfigPath is used when neither -config nor $USERDIR_CONFIG is given.
const defaultConfigPath = "/etc/userdir/userdir.toml"

// env is what a subcommand may touch of the process, so that tests can run
// commands in-process with their own input, output and environment.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one subcommand: its name, a one-line summary for the list, and
// the function that runs it with the arguments after its name. The function
// returns nil on success, flag.ErrHelp after -h, or an error that exitStatus
// turns into a message and an exit status (see errors.go).
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands lists the subcommands in the order "userdir help" shows them.
// Adding a subcommand is adding its line here.
var commands = []command{
	{"serve", "serve the directory over LDAP (SIGHUP re-reads the configuration)", runServe},
	{"ingest", "apply the command message on stdin (an MTA pipes it; exit 75 = retry later)", runIngest},
	{"send", "compose a command message for a branch; stdout for sendmail -t, or -smtp", runSend},
	{"agent", "at a branch: mail the changes of its accounts database (SQL, CSV) to the centre", runAgent},
	{"dump", "print what a role sees of the directory, as LDIF", runDump},
	{"migrate-store", "copy an SQLite store into PostgreSQL and check that both dump the same", runMigrateStore},
	{"status", "per division: entries, last applied message and sync, held syncs, conflicts, stale; -json, -check", runStatus},
	{"journal", "list the newest messages and what became of them", runJournal},
	{"release", "apply a sync the safety net held (no argument: list them)", runRelease},
	{"demo", "serve a directory built from testdata/ on 127.0.0.1:3389 (no root, no config)", runDemo},
	{"check-config", "check the configuration file and print a summary of it", runCheckConfig},
	{"passwd", "print a bcrypt hash of a password, for ldap.account password_hash", runPasswd},
	{"report", "mail each division's admin a digest of its problems, and report_to a summary", runReport},
	{"backup", "write a verified, consistent copy of the store while it is in use", runBackup},
	{"version", "print userdir's version", runVersion},
}

// run runs the subcommand named by args[0] and returns the exit status.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		usage(e.stdout)
		return exitOK
	}
	switch name := args[0]; name {
	case "-version", "--version":
		return exitStatus(e, "version", runVersion(ctx, e, nil))
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := lookup(args[1]); c != nil {
				// The command's usage, on stdout since it was asked for.
				fmt.Fprintf(e.stdout, "userdir %s: %s\n\n", c.name, c.summary)
				help := *e
				help.stderr = e.stdout
				return exitStatus(&help, c.name, c.run(ctx, &help, []string{"-h"}))
			}
		}
		usage(e.stdout)
		return exitOK
	default:
		c := lookup(name)
		if c == nil {
			fmt.Fprintf(e.stderr, "userdir: unknown command %q\n\n", name)
			usage(e.stderr)
			return exitUsage
		}
		return exitStatus(e, c.name, c.run(ctx, e, args[1:]))
	}
}

// lookup returns the subcommand called name, or nil.
func lookup(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

// usage prints the list of subcommands.
func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: userdir <command> [flags]\n\ncommands:\n")
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun \"userdir help <command>\" for its flags.\n")
}

// newFlagSet returns the flag set of a subcommand: errors and usage go to
// stderr, and parsing returns errors instead of exiting. synopsis follows the
// command's name in the usage line, e.g. "[-config FILE]".
func newFlagSet(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: userdir %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs and refuses positional arguments. It
// returns flag.ErrHelp after -h, or a usage error whose message the flag
// package (or parseFlags, for an argument) has already printed with the
// usage; the command returns it as it is.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{said: err}
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected argument %q", fs.Arg(0))
		fmt.Fprintf(fs.Output(), "userdir %s: %v\n", fs.Name(), err)
		fs.Usage()
		return &usageError{said: err}
	}
	return nil
}

// configFlag registers -config on fs.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "configuration `file` (default $USERDIR_CONFIG, else "+defaultConfigPath+")")
}

// loadConfig loads the configuration from path, else from $USERDIR_CONFIG,
// else from /etc/userdir/userdir.toml. Its errors are config.Load's.
func loadConfig(e *env, path string) (*config.Config, error) {
	if path == "" {
		path = e.getenv("USERDIR_CONFIG")
	}
	if path == "" {
		path = defaultConfigPath
	}
	return config.Load(path)
}

// logLevelFlag registers -log-level (debug, info, warn or error; default
// info) on fs and returns the level it sets.
func logLevelFlag(fs *flag.FlagSet) *slog.LevelVar {
	level := new(slog.LevelVar)
	fs.Func("log-level", "log `level`: debug, info, warn or error (default info)", func(s string) error {
		switch strings.ToLower(s) {
		case "debug":
			level.Set(slog.LevelDebug)
		case "info":
			level.Set(slog.LevelInfo)
		case "warn":
			level.Set(slog.LevelWarn)
		case "error":
			level.Set(slog.LevelError)
		default:
			return fmt.Errorf("want debug, info, warn or error")
		}
		return nil
	})
	return level
}

// logFormatFlag registers -log-format (text or json; default text) on fs.
func logFormatFlag(fs *flag.FlagSet) *string {
	format := "text"
	fs.Func("log-format", "log `format`: text or json (default text)", func(s string) error {
		if s != "text" && s != "json" {
			return fmt.Errorf("want text or json")
		}
		format = s
		return nil
	})
	return &format
}

// newLogger returns a logger writing text records at level or above to stderr.
func newLogger(e *env, level slog.Leveler) *slog.Logger {
	return newFormatLogger(e, level, "text")
}

// newFormatLogger returns a logger writing records at level or above to
// stderr, as text or json.
func newFormatLogger(e *env, level slog.Leveler, format string) *slog.Logger {
	o := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, o))
	}
	return slog.New(slog.NewTextHandler(e.stderr, o))
}
