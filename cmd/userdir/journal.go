package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"userdir/store"
)

// runJournal lists the newest messages with their outcome; -v adds the
// rejected and warned lines of each.
func runJournal(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "journal", "[-config FILE] [-n COUNT] [-v]")
	path := configFlag(fs)
	n := fs.Int("n", 20, "how many of the newest messages to list")
	verbose := fs.Bool("v", false, "show the rejected and warned lines of each message")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(e, *path)
	if err != nil {
		return &configError{err: err}
	}
	st, err := openReadOnly(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	entries, err := st.Journal(ctx, *n)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RECEIVED\tDIVISION\tOUTCOME\tBYTES\tAPPLIED\tREJECTED\tWARNINGS\tMESSAGE-ID\tREASON")
	for _, j := range entries {
		div := j.Division
		if div == "" {
			div = "-"
		}
		reason := j.Reason
		if j.Outcome == store.OutcomeHeld {
			reason = fmt.Sprintf("%s (would delete %d)", reason, j.WouldDelete)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", journalTime(j.Received), div, j.Outcome, j.Size, j.Applied, j.Rejected, j.Warnings, j.MessageID, reason)
		if *verbose {
			for _, note := range j.Notes {
				fmt.Fprintf(tw, "\t\tline %d\t\t\t\t\t%s\t%q\n", note.Line, note.Reason, note.Text)
			}
		}
	}
	return tw.Flush()
}

func journalTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}
