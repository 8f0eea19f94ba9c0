package sandbox

import (
	"encoding/json"
	"time"
)

// quote is what an operation on a receipt allows a client.
type quote struct {
	bound int64 // the most points it may spend: min(available, cap), >= 0 (C2, C3, RT1)
	cap   int64 // amount x maxSpendPercent / 100, rounded down, ignoring the balance
	earn  int64 // what it accrues if it spends nothing (C4); 0 for discount (C5)
}

// quoteFor computes the quote of c on amt with avail points available.
// Both recalc and retail use it, so retail accepts exactly what recalc
// announces (C3).
func (s *Server) quoteFor(c *client, amt money, avail int64) quote {
	if c.level.discount() {
		return quote{}
	}
	q := quote{cap: floorInt(amt.percentOf(c.level.maxSpend)), earn: s.earnOf(amt, c.level.bp)}
	q.bound = max(min(avail, q.cap), 0)
	return q
}

// earnOf is amt x percent / 100 in whole points, rounded down (the
// round-nearest quirk rounds to nearest).
func (s *Server) earnOf(amt money, bp int64) int64 {
	r := amt.percentOf(bp)
	if s.faults.has(faultRoundNearest) {
		return nearestInt(r)
	}
	return floorInt(r)
}

// recalc serves POST /integration/general/recalc: preview an operation
// without changing anything (C1-C7).
func (s *Server) recalc(f map[string]json.RawMessage) (string, obj, *apiError) {
	rd, id, point, e := s.clientRequest(f, "amount", "hold")
	if e != nil {
		return "", nil, e
	}
	amt := rd.money("amount", s.faults.amountRule(faultRecalcZeroAmount, amountAny))
	listed := rd.holdList("hold")
	c, e := s.clientAt(rd, id, point)
	if e != nil {
		return "", nil, e
	}

	quoteAt := func(now time.Time) quote {
		a := s.availabilityOf(c, listed, now, s.readView(point))
		return s.quoteFor(c, amt, a.available())
	}
	var q quote
	if s.faults.has(faultRecalcSideEffect) {
		e = s.write(false, func(now time.Time) (*change, *apiError) {
			q = quoteAt(now)
			if q.earn <= 0 {
				return nil, nil
			}
			return &change{c: c, delta: q.earn, op: &Operation{
				Kind: OpRecalc, Client: c.id, Point: point, Amount: amt.f, Earn: q.earn,
			}}, nil
		})
		if e != nil {
			return "", nil, e
		}
	} else {
		now := s.clock.Now()
		s.mu.RLock()
		q = quoteAt(now)
		s.mu.RUnlock()
	}

	spend := q.bound
	switch {
	case s.faults.has(faultRecalcIgnoreBalance) && !c.level.discount():
		spend = max(q.cap, 0)
	case s.faults.has(faultRecalcSpendLow) && spend > 0:
		spend--
	}
	earn := q.earn
	if c.level.discount() && s.faults.has(faultDiscountEarn) {
		earn = s.earnOf(amt, c.level.bp)
	}
	if s.faults.has(faultEarnWrong) {
		earn *= 2
	}
	amount := amt.f
	if s.faults.has(faultRecalcAmount) {
		amount *= 100 // kopecks
	}
	return "recalc", obj{
		{"amount", amount},
		{"percent", percentFloat(c.level.bp)},
		{"type", c.level.typ},
		{"spend", spend},
		{"earn", earn},
	}, nil
}
