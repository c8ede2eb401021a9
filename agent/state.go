package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// stateVersion is the format of the state file.
const stateVersion = 1

// State is what the MTA last accepted: the records as the centre holds
// them after the messages the agent sent, and when the last full sync
// was accepted. It lives in a JSON file next to the config.
type State struct {
	Version  int       `json:"version"`
	LastSync time.Time `json:"last_sync"` // zero: no sync yet (first run)
	// LastSent is the Date of the last message the MTA accepted. The next
	// message's Date is later, even within the same second: the centre
	// orders messages with one Date by Message-ID, not by when they were sent.
	LastSent time.Time         `json:"last_sent,omitzero"`
	Records  map[string]Record `json:"records"`
}

// LoadState reads the state file at path; a missing file is the empty
// state of a first run.
func LoadState(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &State{Version: stateVersion, Records: map[string]Record{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("state file %s is damaged (%w); move it away to start over with a full sync", path, err)
	}
	if s.Version != stateVersion {
		return nil, fmt.Errorf("state file %s: version %d, want %d", path, s.Version, stateVersion)
	}
	if s.Records == nil {
		s.Records = map[string]Record{}
	}
	return &s, nil
}

// Save writes s to path atomically: a temporary file in the same
// directory, synced, renamed over path, and the directory synced, so a
// crash leaves either the old state or the new one.
func (s *State) Save(path string) error {
	data, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	defer os.Remove(f.Name()) // after a successful rename: nothing to remove
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// apply records that the MTA accepted changes.
func (s *State) apply(changes []Change) {
	for _, c := range changes {
		if c.Op == "delete" {
			delete(s.Records, c.Eml)
		} else {
			s.Records[c.Eml] = c.Rec
		}
	}
}

// applySync records that the MTA accepted a sync of kind listing recs:
// the centre then holds exactly them of that kind.
func (s *State) applySync(kind string, recs map[string]Record) {
	for eml, r := range s.Records {
		if r.kind() == kind {
			delete(s.Records, eml)
		}
	}
	for eml, r := range recs {
		if r.kind() == kind {
			s.Records[eml] = r
		}
	}
}

// lock takes an exclusive lock on path+".lock", so that two runs (a slow
// cron run and the next) never send the same change twice. It fails at
// once when another run holds it.
func lock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another userdir agent is running (%s is locked): %w", path+".lock", err)
	}
	return func() { f.Close() }, nil
}
