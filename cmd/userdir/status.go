package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"userdir/config"
	"userdir/metrics"
	"userdir/store"
)

// Exit statuses of `status -check`, as Nagios and Icinga read them.
const (
	checkOK       = 0
	checkWarning  = 1
	checkCritical = 2
	checkUnknown  = 3
)

// divisionStatus is one division as `status` shows it; its JSON form is
// `status -json`.
type divisionStatus struct {
	Division      string         `json:"division"`
	Name          string         `json:"name"`
	Entries       int            `json:"entries"`
	Active        int            `json:"active"`
	Hidden        int            `json:"hidden"`
	Aliases       int            `json:"aliases"`
	Tombstones    int            `json:"tombstones"`
	Messages      int            `json:"messages"`
	Outcomes      map[string]int `json:"outcomes"`
	RejectedLines int            `json:"rejected_lines"`
	LastMessage   *time.Time     `json:"last_message"`
	LastApplied   *time.Time     `json:"last_applied"`
	LastSync      *time.Time     `json:"last_sync"`
	Held          int            `json:"held"`
	Conflicts     int            `json:"conflicts"`
	MaxSilence    string         `json:"max_silence"`
	Stale         bool           `json:"stale"`
	State         string         `json:"state"` // "ok", or a comma-separated list of stale, held, conflicts

	silence time.Duration // since the last applied message; -1 when there is none
}

// statusReport is everything `status` prints.
type statusReport struct {
	Divisions           []divisionStatus `json:"divisions"`
	UnknownCodeMessages int              `json:"unknown_code_messages"`
}

// runStatus prints, per division, its records, when it last applied a
// message and a sync, what waits for a person (held syncs, conflicts) and
// whether it is stale; -json prints the same as JSON, -check one line and
// an exit status for Nagios, Icinga or cron.
func runStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "status", "[-config FILE] [-json | -check]")
	path := configFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	check := fs.Bool("check", false, "print one line and exit 0 (OK), 1 (WARNING: held syncs or conflicts) or 2 (CRITICAL: a stale division)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(e, *path)
	if err != nil {
		if *check {
			fmt.Fprintf(e.stdout, "USERDIR UNKNOWN - configuration has errors\n")
			reportConfigError(e.stderr, "status", err)
			return &exitCodeError{checkUnknown}
		}
		return &configError{err: err}
	}
	rep, err := readStatus(ctx, cfg, time.Now())
	if err != nil {
		if *check {
			fmt.Fprintf(e.stdout, "USERDIR CRITICAL - store: %v\n", err)
			return &exitCodeError{checkCritical}
		}
		return err
	}
	switch {
	case *check:
		line, code := checkLine(rep)
		fmt.Fprintln(e.stdout, line)
		if code != checkOK {
			return &exitCodeError{code}
		}
	case *asJSON:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	default:
		printStatus(e.stdout, rep)
	}
	return nil
}

// readStatus reads the store's statistics for cfg's divisions as of now.
// Divisions that have records or mail but are no longer configured are
// listed after the configured ones, with the name "(not configured)".
func readStatus(ctx context.Context, cfg *config.Config, now time.Time) (*statusReport, error) {
	st, err := openReadOnly(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	counts, err := st.Status(ctx)
	if err != nil {
		return nil, err
	}
	stats, err := st.DivisionStats(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]store.DivisionStats{}
	for _, s := range stats {
		byID[s.Division] = s
	}
	countsOf := map[string]store.DivisionStatus{}
	for _, c := range counts {
		countsOf[c.Division] = c
	}
	rep := &statusReport{UnknownCodeMessages: byID[""].Messages}
	delete(byID, "")
	for _, d := range cfg.Divisions {
		rep.Divisions = append(rep.Divisions, newDivisionStatus(d.ID, d.Name, d.MaxSilence, byID[d.ID], countsOf[d.ID], now))
		delete(byID, d.ID)
	}
	for _, s := range stats {
		if _, left := byID[s.Division]; left {
			rep.Divisions = append(rep.Divisions, newDivisionStatus(s.Division, "(not configured)", 0, s, countsOf[s.Division], now))
		}
	}
	return rep, nil
}

func newDivisionStatus(id, name string, maxSilence time.Duration, s store.DivisionStats, c store.DivisionStatus, now time.Time) divisionStatus {
	d := divisionStatus{
		Division: id, Name: name, Entries: s.Entries, Active: c.Active, Hidden: c.Hidden, Aliases: c.Aliases,
		Tombstones: c.Tombstones, Messages: s.Messages, Outcomes: map[string]int{}, RejectedLines: s.RejectedLines,
		LastMessage: timePtr(s.LastMessage), LastApplied: timePtr(s.LastApplied), LastSync: timePtr(s.LastSync),
		Held: s.Held, Conflicts: s.Conflicts, silence: -1,
	}
	for o, n := range s.Outcomes {
		d.Outcomes[string(o)] = n
	}
	if !s.LastApplied.IsZero() {
		d.silence = now.Sub(s.LastApplied)
	}
	var state []string
	if maxSilence > 0 { // a division no longer configured is not watched
		d.MaxSilence = maxSilence.String()
		if d.Stale = metrics.Stale(s, maxSilence, now); d.Stale {
			state = append(state, "stale")
		}
	}
	if d.Held > 0 {
		state = append(state, "held")
	}
	if d.Conflicts > 0 {
		state = append(state, "conflicts")
	}
	d.State = "ok"
	if len(state) > 0 {
		d.State = strings.Join(state, ",")
	}
	return d
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// printStatus prints the status table.
func printStatus(w io.Writer, rep *statusReport) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DIVISION\tNAME\tENTRIES\tACTIVE\tHIDDEN\tALIASES\tMESSAGES\tREJECTED LINES\tLAST APPLIED\tLAST SYNC\tHELD\tCONFLICTS\tSTATE")
	for _, d := range rep.Divisions {
		state := d.State
		if d.Stale {
			state = strings.Replace(state, "stale", "STALE", 1)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%d\t%d\t%s\n", d.Division, d.Name, d.Entries, d.Active,
			d.Hidden, d.Aliases, d.Messages, d.RejectedLines, timeText(d.LastApplied), timeText(d.LastSync), d.Held,
			d.Conflicts, state)
	}
	tw.Flush()
	if rep.UnknownCodeMessages > 0 {
		fmt.Fprintf(w, "\n%d journaled messages had an unknown code (see userdir journal).\n", rep.UnknownCodeMessages)
	}
}

// checkLine returns the one line of `status -check` and its exit status:
// CRITICAL when a division is stale, WARNING when one has held syncs or
// conflicts, else OK. Performance data follows the "|".
func checkLine(rep *statusReport) (string, int) {
	var stale, held, conflicts []string
	nHeld, nConflicts := 0, 0
	for _, d := range rep.Divisions {
		if d.Stale {
			if d.silence < 0 {
				stale = append(stale, d.Division+" (never)")
			} else {
				stale = append(stale, fmt.Sprintf("%s (%s)", d.Division, shortDuration(d.silence)))
			}
		}
		if d.Held > 0 {
			held = append(held, fmt.Sprintf("%s (%d)", d.Division, d.Held))
			nHeld += d.Held
		}
		if d.Conflicts > 0 {
			conflicts = append(conflicts, fmt.Sprintf("%s (%d)", d.Division, d.Conflicts))
			nConflicts += d.Conflicts
		}
	}
	var parts []string
	for _, p := range []struct {
		what  string
		names []string
	}{{"stale", stale}, {"held syncs", held}, {"conflicts", conflicts}} {
		if len(p.names) > 0 {
			parts = append(parts, p.what+": "+strings.Join(p.names, ", "))
		}
	}
	word, code := "OK", checkOK
	switch {
	case len(stale) > 0:
		word, code = "CRITICAL", checkCritical
	case len(held) > 0 || len(conflicts) > 0:
		word, code = "WARNING", checkWarning
	default:
		parts = []string{fmt.Sprintf("%d divisions flowing", len(rep.Divisions))}
	}
	return fmt.Sprintf("USERDIR %s - %s | stale=%d held=%d conflicts=%d", word, strings.Join(parts, "; "),
		len(stale), nHeld, nConflicts), code
}

// shortDuration prints d as days and hours ("3d4h"), or hours and minutes.
func shortDuration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd%dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%dm", d/time.Hour, d%time.Hour/time.Minute)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}

func timeText(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04")
}
