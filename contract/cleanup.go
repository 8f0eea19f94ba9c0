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

// How the messages of the skips this file records begin: the reason is
// the first word, so it reads the same in every report.
const (
	// ReadOnlyReason begins the skip of a check that needs a hold,
	// release or retail, which --read-only forbids: not in scope, by the
	// user's choice (Finding.NotInScope).
	ReadOnlyReason = "read-only"
	// InterruptedReason begins the skip of the check running when the
	// run was interrupted: unverified.
	InterruptedReason = "interrupted"
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
	t.Skip("%s: the run was stopped while this check ran", InterruptedReason)
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
	t.NotInScope("%s: the check needs a %s request, which --read-only does not send", ReadOnlyReason, ep)
}
