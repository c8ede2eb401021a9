package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"userdir/config"
)

// The errors a subcommand returns say how the failure is reported and with
// which exit status; exitStatus is the one place that does it. Any other
// error is a plain failure: "userdir NAME: error" on stderr, exit 1.

// usageError is a wrong command line: exit 2, as the shell and the flag
// package have it.
type usageError struct {
	err   error  // printed as "userdir NAME: err"
	said  error  // instead of err: already printed, by the flag package or parseFlags
	usage func() // prints the command's usage after err, when set
}

func (e *usageError) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return e.said.Error()
}

func (e *usageError) Unwrap() error {
	if e.err != nil {
		return e.err
	}
	return e.said
}

// usagef returns a usage error without the usage text.
func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// configError is a configuration that cannot be used: each of its problems
// on its own line (file:line: key: message), then hint, and exit 78
// (EX_CONFIG).
type configError struct {
	err  error
	hint string
}

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// tempFailError is a failure that is not the message's fault: one line,
// "4.3.0 reason (cause)", on stdout and exit 75 (EX_TEMPFAIL). Postfix's
// pipe takes the status from it and puts the text in the defer reason and
// the mail log, so the administrator sees why without anything else
// printed.
type tempFailError struct {
	reason string
	err    error
}

func (e *tempFailError) Error() string { return e.reason + ": " + e.err.Error() }
func (e *tempFailError) Unwrap() error { return e.err }

// loggedError is a failure that the command has already written to its
// log, as a server does so that its errors carry structured keys: exit 1
// and nothing more printed.
type loggedError struct{ err error }

func (e *loggedError) Error() string { return e.err.Error() }
func (e *loggedError) Unwrap() error { return e.err }

// exitCodeError ends a command with exit status code and nothing more
// printed: the command has said everything (`status -check`'s one line).
type exitCodeError struct{ code int }

func (e *exitCodeError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exitStatus reports err, returned by the command called name, and returns
// the process's exit status.
func exitStatus(e *env, name string, err error) int {
	var (
		tf   *tempFailError
		use  *usageError
		conf *configError
		lg   *loggedError
		ec   *exitCodeError
	)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &tf):
		fmt.Fprintf(e.stdout, "4.3.0 %s (%s)\n", tf.reason, causeText(tf.err))
		return exitTempFail
	case errors.As(err, &use):
		if use.err != nil {
			fmt.Fprintf(e.stderr, "userdir %s: %v\n", name, use.err)
		}
		if use.usage != nil {
			use.usage()
		}
		return exitUsage
	case errors.As(err, &conf):
		reportConfigError(e.stderr, name, conf.err)
		if conf.hint != "" {
			fmt.Fprintf(e.stderr, "userdir %s: %s\n", name, conf.hint)
		}
		return exitConfig
	case errors.As(err, &lg):
		return exitFailure
	case errors.As(err, &ec):
		return ec.code
	default:
		fmt.Fprintf(e.stderr, "userdir %s: %v\n", name, err)
		return exitFailure
	}
}

// reportConfigError prints each problem of a configuration on its own line,
// or, when the file could not be read, why, after the command's name.
func reportConfigError(w io.Writer, name string, err error) {
	problems := config.Errors(err)
	if len(problems) == 0 {
		fmt.Fprintf(w, "userdir %s: %v\n", name, err)
		return
	}
	for _, p := range problems {
		fmt.Fprintln(w, p)
	}
	fmt.Fprintf(w, "%d problem(s)\n", len(problems))
}

// causeText is err on one line of at most about 300 bytes, for a defer
// reason.
func causeText(err error) string {
	cause := strings.Join(strings.Fields(err.Error()), " ")
	if len(cause) > 300 {
		cause = cause[:300] + "..."
	}
	return cause
}
