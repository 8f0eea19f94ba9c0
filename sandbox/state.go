package sandbox

import (
	"slices"
	"time"
)

// client is a loyalty client. Its identity is fixed at load; balance and
// holds mirror the store and are guarded by Server.mu, and change only
// through Server.apply (with Server.wmu held).
type client struct {
	idx      int
	id       string
	name     string
	photo    string
	birthday string
	email    string
	phone    string
	phoneNum int64
	card     string
	code     string
	level    *level
	initial  int64

	balance int64   // stored balance
	holds   []*hold // holds not yet ended (some may have expired)
}

// hold is a hold not yet ended in the store. Once ended it leaves the
// mirror: release, retail and search only ever care about live ones.
type hold struct {
	id      string
	client  *client
	point   string
	amount  int64
	created time.Time
	until   int64 // UNIX seconds, as on the wire
}

// active reports whether h still holds points at now: until is in the
// future. Ended holds are not in the mirror at all.
func (s *Server) active(h *hold, now time.Time) bool {
	if s.faults.has(faultHoldNeverExpires) {
		return true
	}
	return now.Unix() < h.until
}

// Journal entry kinds (Operation.Kind).
const (
	OpRetail  = "retail"
	OpHold    = "hold"
	OpRelease = "release"
	// OpRecalc is journaled only under the recalc-side-effect fault.
	OpRecalc = "recalc"
)

// Operation is one entry of the store's append-only journal.
type Operation struct {
	Seq          int64
	At           time.Time
	Kind         string // OpRetail, OpHold, OpRelease or OpRecalc
	Client       string // client id
	Point        string
	Hold         string  // hold id, for OpHold and OpRelease
	Amount       float64 // receipt amount, for OpRetail and OpRecalc
	Held         int64   // points held (OpHold) or released (OpRelease)
	Spend        int64
	Earn         int64
	Total        float64 // for OpRetail
	BalanceAfter int64   // the client's stored balance after the operation
}

// holdEnd ends a hold for a reason at a time.
type holdEnd struct {
	h      *hold
	reason string
	at     time.Time
}

// change is one state change: decided against the mirror, then committed
// to the store in one transaction and mirrored only once committed, so the
// journal, the stored balances and what requests see always agree.
type change struct {
	c       *client
	delta   int64 // added to the stored balance
	newHold *hold
	ends    []holdEnd
	op      *Operation // journal entry; nil when the change only ends holds
}

// availability is what a request sees of a client's points.
type availability struct {
	stored   int64 // the stored balance
	unlisted int64 // active holds the request does not list
	listed   int64 // active holds of this client the request lists
}

// available is the balance less the holds the request does not list (S4,
// H5): listed holds count as available to the request that lists them.
func (a availability) available() int64 { return a.stored - a.unlisted }

// holdView says which active holds a request counts: all of them (the
// zero value, the correct view), or under a fault of search and recalc
// none (holds-ignored) or only those at the request's point
// (holds-per-point).
type holdView struct {
	none  bool
	point string // when set, holds at other points are not counted
}

// readView is the view of search and recalc at point.
func (s *Server) readView(point string) holdView {
	v := holdView{none: s.faults.has(faultHoldsIgnored)}
	if s.faults.has(faultHoldsPerPoint) {
		v.point = point
	}
	return v
}

// availabilityOf computes c's availability at now for a request listing
// the hold ids listed, counting the holds view lets it see. The caller
// holds s.mu or s.wmu.
func (s *Server) availabilityOf(c *client, listed []string, now time.Time, view holdView) availability {
	a := availability{stored: c.balance}
	if view.none {
		return a
	}
	for _, h := range c.holds {
		if !s.active(h, now) || (view.point != "" && h.point != view.point) {
			continue
		}
		if slices.Contains(listed, h.id) && !s.faults.has(faultListedHoldIgnored) {
			a.listed += h.amount
		} else {
			a.unlisted += h.amount
		}
	}
	return a
}

// expiredHolds returns ends for c's holds that have run out, so a change
// touching c also records them as expired (at their until).
func (s *Server) expiredHolds(c *client, now time.Time) []holdEnd {
	var ends []holdEnd
	for _, h := range c.holds {
		if !s.active(h, now) {
			ends = append(ends, holdEnd{h: h, reason: endExpired, at: time.Unix(h.until, 0)})
		}
	}
	return ends
}

// apply commits ch to the store and then to the mirror. The caller holds
// s.wmu. A hold ended meanwhile (only possible under the racy-debit fault,
// whose changes are decided outside the lock) is skipped.
func (s *Server) apply(ch *change, now time.Time) error {
	if s.st.closed {
		return errClosed
	}
	ends := ch.ends[:0:0]
	for _, e := range ch.ends {
		if s.holds[e.h.id] == e.h {
			ends = append(ends, e)
		}
	}
	err := s.st.tx(func() error {
		if ch.delta != 0 {
			if err := s.st.writeBalance(ch.c.idx, ch.delta); err != nil {
				return err
			}
		}
		var seq int64
		if ch.op != nil {
			ch.op.At = now
			ch.op.BalanceAfter = ch.c.balance + ch.delta
			var err error
			if seq, err = s.st.writeOp(ch.op); err != nil {
				return err
			}
			ch.op.Seq = seq
		}
		if ch.newHold != nil {
			if err := s.st.writeHold(ch.newHold); err != nil {
				return err
			}
		}
		for _, e := range ends {
			if err := s.st.writeHoldEnd(e, seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	ch.c.balance += ch.delta
	if h := ch.newHold; h != nil {
		h.client.holds = append(h.client.holds, h)
		s.holds[h.id] = h
	}
	for _, e := range ends {
		delete(s.holds, e.h.id)
		c := e.h.client
		c.holds = slices.DeleteFunc(c.holds, func(x *hold) bool { return x == e.h })
	}
	return nil
}

// decideFunc decides a change at now. It may return a change, a refusal,
// both (a fault that refuses yet changes state), or neither (nothing to
// do, success).
type decideFunc func(now time.Time) (*change, *apiError)

// write decides and applies one change atomically: decide runs under the
// write mutex, so a check (is there enough?) and the debit it allows can
// never interleave with another change (L2). racy marks the check-then-
// debit paths the racy-debit fault breaks on purpose.
func (s *Server) write(racy bool, decide decideFunc) *apiError {
	if racy && s.faults.has(faultRacyDebit) {
		return s.writeRacy(decide)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	now := s.clock.Now()
	ch, aerr := decide(now)
	if ch != nil {
		if err := s.apply(ch, now); err != nil {
			return internalError(err)
		}
	}
	return aerr
}

// racyWindow is how long the racy-debit fault waits between its check and
// its debit, like a round trip to a remote database would.
const racyWindow = 5 * time.Millisecond

// writeRacy is the racy-debit fault: the decision is taken on a snapshot,
// outside the write mutex, and applied a moment later without checking
// again, so concurrent spends and holds each see the same balance.
func (s *Server) writeRacy(decide decideFunc) *apiError {
	now := s.clock.Now()
	s.mu.RLock()
	ch, aerr := decide(now)
	s.mu.RUnlock()
	if ch == nil {
		return aerr
	}
	time.Sleep(racyWindow)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.apply(ch, now); err != nil {
		return internalError(err)
	}
	return aerr
}
