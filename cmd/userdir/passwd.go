package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"
)

// maxPasswordBytes is bcrypt's limit: it ignores nothing, it refuses more.
const maxPasswordBytes = 72

// errPasswordsDiffer is returned when the two typed passwords do not match.
var errPasswordsDiffer = errors.New("the passwords differ")

// runPasswd reads a password and prints its bcrypt hash for password_hash.
// From a terminal it asks twice without echo; otherwise it reads the first
// line of stdin. An empty password is refused.
func runPasswd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "passwd", "[-cost N] < password")
	cost := fs.Int("cost", bcrypt.DefaultCost, fmt.Sprintf("bcrypt cost `N`, %d to %d", bcrypt.MinCost, bcrypt.MaxCost))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cost < bcrypt.MinCost || *cost > bcrypt.MaxCost {
		return usagef("-cost must be from %d to %d", bcrypt.MinCost, bcrypt.MaxCost)
	}
	pw, err := readPassword(e)
	if err == nil {
		err = checkPassword(pw)
	}
	if err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword(pw, *cost)
	if err != nil {
		return fmt.Errorf("hash: %w", err)
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", hash)
	return err
}

// checkPassword refuses what bcrypt cannot or should not hash.
func checkPassword(pw []byte) error {
	switch {
	case len(pw) == 0:
		return errors.New("empty password refused")
	case len(pw) > maxPasswordBytes:
		return fmt.Errorf("password longer than %d bytes refused (bcrypt's limit)", maxPasswordBytes)
	}
	return nil
}

// readPassword reads the password from a terminal, asking twice without
// echo, or else the first line of stdin without its line ending.
func readPassword(e *env) ([]byte, error) {
	if f, ok := e.stdin.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
		return promptPassword(e, int(f.Fd()))
	}
	line, err := bufio.NewReader(e.stdin).ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read password: %w", err)
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

// promptPassword asks for the password twice on the terminal fd.
func promptPassword(e *env, fd int) ([]byte, error) {
	fmt.Fprint(e.stderr, "Password: ")
	pw, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return nil, fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(e.stderr, "Again: ")
	again, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return nil, fmt.Errorf("read password: %w", err)
	}
	if !bytes.Equal(pw, again) {
		return nil, errPasswordsDiffer
	}
	return pw, nil
}
