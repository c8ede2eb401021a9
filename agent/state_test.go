package agent

import (
	"testing"
	"time"
)

// TestNextDate checks that a run's Date is after the last message's, even
// within one second, so that the centre applies a branch's messages in the
// order they were sent.
func TestNextDate(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct{ now, last, want string }{
		{"2026-11-29T17:51:54.300Z", "", "2026-11-29T17:51:54Z"},
		{"2026-11-29T17:51:54.800Z", "2026-11-29T17:51:54Z", "2026-11-29T17:51:55Z"},
		{"2026-11-29T17:51:54.900Z", "2026-11-29T17:51:55Z", "2026-11-29T17:51:56Z"},
		{"2026-11-29T17:52:10.100Z", "2026-11-29T17:51:55Z", "2026-11-29T17:52:10Z"},
	}
	for _, tt := range tests {
		var last time.Time
		if tt.last != "" {
			last = at(tt.last)
		}
		if got := nextDate(at(tt.now), last); !got.Equal(at(tt.want)) {
			t.Errorf("nextDate(%s, %s) = %s, want %s", tt.now, tt.last, got, tt.want)
		}
	}
}
