package contract

import (
	"context"
	"fmt"
	"sync"

	"loyalcheck/api"
)

// T is what a check works with: the suite's probes (every call goes through
// the schema validator and the ledger) and the verdict methods. A check
// calls Pass, Fail, Warn, Breach or Skip; one that records nothing fails
// ("no verdict reached"), so a check can never pass by saying nothing.
type T struct {
	ctx  context.Context
	s    *suite
	ch   check
	rule api.Rule

	mu    sync.Mutex
	out   []Finding
	hist  []*api.Exchange
	holds []string // hold ids this check made, released when it ends
}

// maxTrail is how many earlier exchanges a failing finding carries.
const maxTrail = 4

func (t *T) record(st Status, ex *api.Exchange, msg string) {
	t.recordOn(t.rule, st, ex, msg)
}

func (t *T) recordOn(rule api.Rule, st Status, ex *api.Exchange, msg string) {
	if rule.ID == "" {
		rule.ID = t.ch.rule
	}
	f := Finding{
		Rule: rule.ID, Check: t.ch.name, Area: rule.Area, Kind: rule.Kind,
		Status: st, Message: msg, Evidence: evidenceOf(ex),
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if st == Fail || st == Warn {
		var trail []Evidence
		for i := len(t.hist) - 1; i >= 0 && len(trail) < maxTrail; i-- {
			if t.hist[i] == ex {
				continue
			}
			trail = append([]Evidence{*evidenceOf(t.hist[i])}, trail...)
		}
		f.Trail = trail
	}
	if ex == nil && f.Evidence == nil && (st == Fail || st == Warn) && len(t.hist) > 0 {
		// No decisive exchange named: the latest one is the best evidence.
		f.Evidence = evidenceOf(t.hist[len(t.hist)-1])
		if n := len(f.Trail); n > 0 {
			f.Trail = f.Trail[:n-1]
		}
	}
	t.out = append(t.out, f)
}

// Pass records that the rule holds; it is dropped when the check has
// already recorded a failure or warning (Fail, Warn, Breach, Broken, or
// FailOn for another rule). A check therefore ends with Pass once every
// deviation it found is recorded, without tracking them in a flag; only
// a path that gives up without recording anything must return instead.
func (t *T) Pass(ex *api.Exchange, format string, a ...any) {
	if t.failed() {
		return
	}
	t.record(Pass, ex, fmt.Sprintf(format, a...))
}

// Fail records a broken doc rule (or part of a rule).
func (t *T) Fail(ex *api.Exchange, format string, a ...any) {
	t.record(Fail, ex, fmt.Sprintf(format, a...))
}

// FailOn records a failure of another rule than the check's own, found
// on the way (e.g. H7 by the expiry check).
func (t *T) FailOn(ruleID string, ex *api.Exchange, format string, a ...any) {
	rule, _ := api.RuleByID(ruleID)
	t.recordOn(rule, Fail, ex, fmt.Sprintf(format, a...))
}

// Warn records a broken interp rule (or part), or a difference the rule
// tolerates with a warning. The strict profile makes it a failure.
func (t *T) Warn(ex *api.Exchange, format string, a ...any) {
	t.record(Warn, ex, fmt.Sprintf(format, a...))
}

// Breach records the rule broken, weighed by its kind (breachOf).
func (t *T) Breach(ex *api.Exchange, format string, a ...any) {
	t.record(breachOf(t.rule), ex, fmt.Sprintf(format, a...))
}

// breachOn records a breach of another rule than the check's own, weighed
// by that rule's kind (breachOf).
func (t *T) breachOn(ruleID string, ex *api.Exchange, msg string) {
	rule, _ := api.RuleByID(ruleID)
	t.recordOn(rule, breachOf(rule), ex, msg)
}

// breachOf is what breaking rule is: doc (and doc+interp) fails, interp
// warns.
func breachOf(rule api.Rule) Status {
	if rule.Kind == api.KindInterp {
		return Warn
	}
	return Fail
}

// Skip records that the rule could not be exercised, and why: the rule is
// then unverified, which a doc rule turns into an incomplete run.
func (t *T) Skip(format string, a ...any) {
	t.record(Skip, nil, fmt.Sprintf(format, a...))
}

// NotInScope records that the check was left out by the user's own choice
// (no --slow, --read-only) and which choice: the rule is then not in the
// run's scope rather than unverified. Only a choice the user made may be
// recorded this way; anything the fixtures or the target prevented is a
// Skip.
func (t *T) NotInScope(format string, a ...any) {
	t.record(Skip, nil, fmt.Sprintf(format, a...))
	t.mu.Lock()
	t.out[len(t.out)-1].NotInScope = true
	t.mu.Unlock()
}

// Broken records that a call the check needed did not give a usable
// answer, so the check could not go on: a failure of the target, since
// the call was valid.
func (t *T) Broken(what string, r *reply) {
	t.Fail(r.Ex, "cannot check: %s: %s", what, r.Describe())
}

// failed reports whether the check has recorded a failure or warning.
func (t *T) failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, f := range t.out {
		if f.Status == Fail || f.Status == Warn {
			return true
		}
	}
	return false
}

func (t *T) remember(ex *api.Exchange) {
	t.mu.Lock()
	t.hist = append(t.hist, ex)
	t.mu.Unlock()
}

func (t *T) flush() {
	for _, f := range t.out {
		t.s.add(f)
	}
	t.out = nil
}

// releaseAll releases the holds the check made that are still active, so
// checks do not leak holds into each other.
func (t *T) releaseAll() {
	t.mu.Lock()
	ids := t.holds
	t.holds = nil
	t.mu.Unlock()
	for _, id := range ids {
		if t.s.led.holdActive(id) {
			t.release(id)
		}
	}
}
