package contract

import (
	"context"
	"time"

	"loyalcheck/api"
)

// CleanupTimeout bounds the release of the holds a run leaves active. The
// clean-up runs on a context of its own, so an interrupt (Ctrl-C) that
// cancelled the run does not also cancel the releases.
const CleanupTimeout = 10 * time.Second

// Skip reasons that are the user's choice or the run's fate, not something
// the target or the fixtures lacked (Finding.Reason).
const (
	// ReasonReadOnly: the check needs a hold, release or retail, which
	// --read-only forbids.
	ReasonReadOnly = "read-only"
	// ReasonInterrupted: the run was interrupted while the check ran.
	ReasonInterrupted = "interrupted"
)

// cleanup releases every hold of the run the ledger believes still active,
// on a fresh context bounded by CleanupTimeout, and returns the ids it
// could not release.
func (s *suite) cleanup(ctx context.Context) []string {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), CleanupTimeout)
	defer cancel()
	t := &T{ctx: cctx, s: s, ch: check{name: "cleanup", rule: "L3"}}
	var left []string
	for _, h := range s.led.activeHolds() {
		if ok, _ := t.release(h.id); !ok {
			left = append(left, h.id)
		}
	}
	return left
}

// interrupted replaces what a check found with one skip: a check cut short
// by an interrupt proves nothing either way, and its half-made calls are
// no failure of the target.
func (t *T) interrupted() {
	t.mu.Lock()
	t.out = nil
	t.mu.Unlock()
	t.skipFor(ReasonInterrupted, "interrupted: the run was stopped while this check ran")
}

// readOnlyStop is what a check's first write panics with under read-only;
// runCheck recovers it and skips the check.
type readOnlyStop struct{ ep api.Endpoint }

// guardWrite stops the check before it sends a hold, release or retail
// under read-only: not one such request leaves, not even a malformed one.
func (t *T) guardWrite(ep api.Endpoint) {
	if t.s.cfg.readOnly && (ep.Writes() || !ep.Valid()) {
		panic(readOnlyStop{ep})
	}
}

// skipReadOnly ends a check stopped by guardWrite: the failures and
// warnings it found before (on search and recalc) stand, a pass does not
// (the check did not finish), and a skip says why.
func (t *T) skipReadOnly(ep api.Endpoint) {
	t.mu.Lock()
	kept := t.out[:0]
	for _, f := range t.out {
		if f.Status != Pass {
			kept = append(kept, f)
		}
	}
	t.out = kept
	t.mu.Unlock()
	t.skipFor(ReasonReadOnly, "read-only: the check needs a %s request, which --read-only does not send", ep)
}

// skipFor records a skip whose reason is the user's choice or the run's
// fate (ReasonReadOnly, ReasonInterrupted), marked so reports can tell it
// from a skip the target or the fixtures caused.
func (t *T) skipFor(reason, format string, a ...any) {
	t.Skip(format, a...)
	t.mu.Lock()
	t.out[len(t.out)-1].Reason = reason
	t.mu.Unlock()
}
