package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"userdir/store"
)

// runStatus prints, per division, its records, when its last message
// arrived and how many command lines were rejected.
func runStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "status", "[-config FILE]")
	path := configFlag(fs)
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
	stats, err := st.Status(ctx)
	if err != nil {
		return err
	}
	byID := make(map[string]store.DivisionStatus, len(stats))
	for _, s := range stats {
		byID[s.Division] = s
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DIVISION\tNAME\tENTRIES\tACTIVE\tHIDDEN\tALIASES\tTOMBSTONES\tMESSAGES\tLAST MESSAGE\tREJECTED LINES")
	row := func(id, name string, s store.DivisionStatus) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%d\n", id, name, s.Records, s.Active, s.Hidden, s.Aliases,
			s.Tombstones, s.Messages, timeText(s.LastMessage), s.RejectedLines)
	}
	for _, d := range cfg.Divisions {
		row(d.ID, d.Name, byID[d.ID])
		delete(byID, d.ID)
	}
	for id, s := range byID { // unknown codes and divisions no longer configured
		name := "(not configured)"
		if id == "" {
			id, name = "-", "(unknown code)"
		}
		row(id, name, s)
	}
	return tw.Flush()
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}
