package main

import (
	"context"
	"flag"
	"log/slog"
	"time"

	"userdir/agent"
)

// agentSynopsis follows "userdir agent" in its usage line.
const agentSynopsis = "-config FILE [-once] [-dry-run] [-force] [-sync]"

// agentConfigDefault is the agent's config file when -config is not given.
const agentConfigDefault = "/etc/userdir/agent.toml"

// runAgent runs the branch agent (README "Branch setup"): once with -once
// (from cron), else every interval until SIGTERM. A refused or failed run
// exits 1 with the reason on stderr, which cron mails to the admin; with
// -once a run that went well says nothing unless -log-level asks.
func runAgent(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "agent", agentSynopsis)
	path := fs.String("config", "", "the agent's configuration `file` (default $USERDIR_AGENT_CONFIG, else "+agentConfigDefault+")")
	once := fs.Bool("once", false, "run once and exit, for cron or a systemd timer (logs only warnings unless -log-level is given)")
	dry := fs.Bool("dry-run", false, "print the message(s) instead of sending them; the state is kept")
	force := fs.Bool("force", false, "send even when the safety net refuses (empty or shrunk source), this once; a sync sent says force=1")
	sync := fs.Bool("sync", false, "send a full sync now, whatever sync_every says")
	level := logLevelFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		*path = e.getenv("USERDIR_AGENT_CONFIG")
	}
	if *path == "" {
		*path = agentConfigDefault
	}
	cfg, err := agent.LoadConfig(*path)
	if err != nil {
		return &configError{err: err}
	}
	code, err := cfg.ReadCode(e.getenv)
	if err != nil {
		return &configError{err: err}
	}
	if *once && !flagSet(fs, "log-level") {
		level.Set(slog.LevelWarn) // from cron: quiet unless something is wrong
	}
	o := agent.Options{Config: cfg, Code: code, DryRun: *dry, Out: e.stdout, Force: *force, Sync: *sync, Log: newLogger(e, level)}
	if *once || *dry {
		return agentRun(ctx, o)
	}
	agentLoop(ctx, o, cfg.Interval)
	return nil
}

// agentRun runs the agent once. Its error (a refusal, a failed source or
// send, skipped rows) is printed as "userdir agent: …" and exits 1.
func agentRun(ctx context.Context, o agent.Options) error {
	res, err := agent.Run(ctx, o)
	if err != nil {
		return err
	}
	if res.Messages > 0 && !o.DryRun {
		o.Log.Info("run done", "messages", res.Messages, "lines", res.Changes, "full_sync", res.Synced)
	}
	return nil
}

// flagSet reports whether the flag called name was given.
func flagSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// agentLoop runs the agent every interval until ctx ends; -force applies
// to the first run only. A failed run is logged and retried next time. A
// run in flight when ctx ends is finished (its source and send have their
// own timeouts), so a message is never cut off half handed over.
func agentLoop(ctx context.Context, o agent.Options, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if _, err := agent.Run(context.WithoutCancel(ctx), o); err != nil {
			o.Log.Error("agent run", "err", err)
		}
		o.Force, o.Sync = false, false
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
