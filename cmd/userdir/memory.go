package main

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Memory policy of `serve`. A snapshot is a large, long-lived heap (about
// 4.5 KB per entry) and searches allocate little, so the default GOGC=100
// would let the process grow to twice the snapshot for garbage alone. We
// keep a soft memory limit of 1.25 times the live heap plus 32 MiB instead,
// re-read every few seconds as the directory grows or shrinks. GOGC or
// GOMEMLIMIT in the environment turn this off.
const (
	memoryHeadroom = 1.25
	memorySlack    = 32 << 20
	memoryEvery    = 10 * time.Second
)

// tuneMemory adjusts the soft memory limit until ctx ends.
func tuneMemory(ctx context.Context, log *slog.Logger) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	t := time.NewTicker(memoryEvery)
	defer t.Stop()
	last := int64(0)
	for {
		metrics.Read(sample)
		if live := int64(sample[0].Value.Uint64()); live > 0 {
			limit := int64(float64(live)*memoryHeadroom) + memorySlack
			if limit < last*9/10 || limit > last*11/10 {
				debug.SetMemoryLimit(limit)
				log.Debug("memory limit", "live_mb", live>>20, "limit_mb", limit>>20)
				last = limit
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
