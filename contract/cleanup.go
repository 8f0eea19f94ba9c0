package contract

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"time"

	"loyalcheck/api"

	"loyalcheck/reports/record"
)

// CleanupTimeout bounds the release of the holds a run leaves active. The
// clean-up runs on a context of its own, so an interrupt (Ctrl-C) that
// cancelled the run does not also cancel the releases.
const CleanupTimeout = 10 * time.Second

// How the messages of the skips this file records begin (the record's
// notes count them).
const (
	ReadOnlyReason    = record.ReadOnlyReason
	InterruptedReason = record.InterruptedReason
)

// cleanup waits for the hold requests still running (api.Flights), then
// releases every hold of the run the ledger believes still active, on a
// fresh context bounded by CleanupTimeout. It returns the ids it could not
// release and the holds asked for that got no usable answer.
func (s *suite) cleanup(ctx context.Context) (left, unanswered []string) {
	// Every hold request began before this wait and is bounded by
	// holdBound: the wait outlasts them all.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.holdBound())
	s.flights.Sweep(wctx)
	cancel()
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), CleanupTimeout)
	defer cancel()
	t := &T{ctx: cctx, s: s, ch: check{name: "cleanup", rule: "L3"}}
	for _, h := range s.led.activeHolds() {
		if ok, _ := t.release(h.id); !ok {
			left = append(left, h.id)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range slices.Sorted(maps.Keys(s.lost)) {
		unanswered = append(unanswered, s.lost[k])
	}
	return left, unanswered
}

// holdBound is how long a hold request may run: a check waits for its
// answer the client's timeout, and the request runs on for CleanupTimeout
// more, so a slow answer still brings the id the clean-up needs.
func (s *suite) holdBound() time.Duration { return s.c.Timeout() + CleanupTimeout }

// sendHold sends a hold and waits for its answer at most the client's
// timeout. handed is false when it gave up: the request runs on and
// lateHold books its answer. When handed, the caller books the answer and
// then ends the flight begun here.
func (s *suite) sendHold(ctx context.Context, body []byte, opts ...api.CallOption) (ex *api.Exchange, err error, handed bool) {
	type answer struct {
		ex  *api.Exchange
		err error
	}
	s.flights.Begin()
	var lost int
	ans, handed := api.Await(s.c.Timeout(),
		func() answer {
			ex, err := s.c.Do(ctx, api.EpHold, body, append(opts, api.WithCallTimeout(s.holdBound()))...)
			return answer{ex, err}
		},
		func() { lost = s.noteLost() },
		func(a answer) { s.lateHold(ctx, lost, a.ex, a.err) })
	if !handed {
		ex := &api.Exchange{Endpoint: api.EpHold, URL: s.c.URL(api.EpHold), Request: body, KeySent: "configured"}
		return ex, &api.TransportError{Endpoint: api.EpHold, Err: context.DeadlineExceeded}, false
	}
	return ans.ex, ans.err, true
}

// noteLost records a hold request without an answer (yet): the target may
// have made the hold, whose id the run then does not know.
func (s *suite) noteLost() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lost == nil {
		s.lost = map[int]string{}
	}
	s.lostSeq++
	s.lost[s.lostSeq] = "hold asked at " + time.Now().Format("15:04:05.000") + " got no answer (id unknown)"
	return s.lostSeq
}

// lateHold books the answer to a hold the suite stopped waiting for. A
// hold answered after the clean-up's sweep is released at once, since
// nothing else will (it stays listed as unanswered).
func (s *suite) lateHold(ctx context.Context, lost int, ex *api.Exchange, err error) {
	defer s.flights.End()
	if err != nil || ex == nil {
		return // no answer after all: listed as unanswered
	}
	booked := s.flights.Book(func() {
		s.mu.Lock()
		delete(s.lost, lost)
		s.mu.Unlock()
		if ex.Status == http.StatusOK {
			s.led.observe(ex)
		}
	})
	var a wAnswer
	if booked || ex.Status != http.StatusOK || json.Unmarshal(ex.Body, &a) != nil || a.Held == nil || a.Held.ID == "" {
		return
	}
	// ctx is the hold's, already cut from the interrupt; the client's
	// timeout bounds the release.
	s.c.Release(ctx, api.ReleaseRequest{ID: string(a.Held.ID)}) //nolint:errcheck // best effort: the report is out
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
