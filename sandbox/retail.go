package sandbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"loyalcheck/api"
)

// retail serves POST /integration/general/retail: create the operation,
// spending points (spend > 0) or accruing them (spend 0) (RT1-RT8).
func (s *Server) retail(f map[string]json.RawMessage) (string, obj, *apiError) {
	rd, id, point, e := s.clientRequest(f, "amount", "spend", "hold")
	if e != nil {
		return "", nil, e
	}
	amt := rd.money("amount", s.faults.amountRule(faultAcceptZeroAmount, amountNonNegative))
	spend, given := rd.points("spend")
	if rd.err == nil {
		switch {
		case !given:
			rd.err = refuse("spend", "Spend is required.")
		case spend < 0 && !s.faults.has(faultNegativeSpend):
			rd.err = refuse("spend", "Spend can't be negative.")
		}
	}
	// The bad-input-side-effect fault: a bad spend is refused, but only
	// after the operation went through as an accrual.
	var badSpend *apiError
	if rd.err != nil && rd.err.field == "spend" && s.faults.has(faultBadInputSideEffect) {
		badSpend, rd.err, spend = rd.err, nil, 0
	}
	listed := rd.holdList("hold")
	c, e := s.clientAt(rd, id, point)
	if e != nil {
		return "", nil, e
	}

	var answer obj
	e = s.write(spend > 0, func(now time.Time) (*change, *apiError) {
		a := s.availabilityOf(c, listed, now, holdView{})
		q := s.quoteFor(c, amt, a.available())
		bound := q.bound
		if s.faults.has(faultRetailIgnoresBalance) {
			bound = q.cap
		}
		if c.level.discount() && s.faults.has(faultDiscountSpend) {
			bound = max(a.available(), 0)
		}
		if spend > bound {
			return s.overSpend(c, point, amt, bound, now)
		}
		ch, ans := s.retailChange(c, point, amt, spend, q)
		ch.ends = s.retailEnds(c, point, listed, now)
		answer = ans
		return ch, badSpend
	})
	if e != nil {
		return "", nil, e
	}
	return "retail", answer, nil
}

// overSpend refuses a spend over bound (RT1, RT7). The refused-side-effect
// fault still debits the bound.
func (s *Server) overSpend(c *client, point string, amt money, bound int64, now time.Time) (*change, *apiError) {
	e := refuse("spend", fmt.Sprintf(api.MsgSpendTooMuch, fmt.Sprint(bound)))
	if s.faults.has(faultSpendMessage) {
		e = refuse("spend", MsgNotEnough)
	}
	if !s.faults.has(faultRefusedSideEffect) || bound <= 0 {
		return nil, e
	}
	return &change{c: c, delta: -bound, op: &Operation{
		Kind: OpRetail, Client: c.id, Point: point, Amount: amt.f, Spend: bound,
		Total: round2(amt.minus(bound)),
	}}, e
}

// retailChange computes an accepted operation: its balance change, its
// journal entry and its answer. An operation spends or accrues, never
// both (RT3).
func (s *Server) retailChange(c *client, point string, amt money, spend int64, q quote) (*change, obj) {
	op := &Operation{Kind: OpRetail, Client: c.id, Point: point, Amount: amt.f}
	ch := &change{c: c, op: op}
	ans := obj{{"amount", amt.f}, {"total", 0.0}, {"percent", percentFloat(c.level.bp)}, {"type", c.level.typ}}
	setTotal := func(t float64) { op.Total = t; ans[1].v = t }

	switch {
	case spend != 0: // a spend (negative only under the negative-spend fault)
		ch.delta, op.Spend = -spend, spend
		setTotal(round2(amt.minus(spend))) // RT2
		if s.faults.has(faultTotalWrong) {
			ans[1].v = amt.f
		}
		ans = append(ans, kv{"spend", spend})
		if s.faults.has(faultSpendAndEarn) {
			earn := s.earnOf(amt, c.level.bp)
			ch.delta += earn
			op.Earn = earn
			ans = append(ans, kv{"earn", earn})
		}
	case c.level.discount(): // RT7: the discount is taken off the total, nothing accrues
		setTotal(round2(amt.percentOf(10000 - c.level.bp)))
		ans = append(ans, kv{"earn", int64(0)})
		if s.faults.has(faultDiscountSpendField) {
			ans = append(ans, kv{"spend", round2(amt.percentOf(c.level.bp))})
		}
	default: // an accrual (RT2: total = amount)
		setTotal(amt.f)
		if !s.faults.has(faultAccrueLost) {
			ch.delta, op.Earn = q.earn, q.earn
		}
		ans = append(ans, kv{"earn", q.earn})
	}
	return ch, ans
}

// retailEnds returns the holds an accepted retail ends: those it lists
// are consumed (RT5), the client's other active holds at its point are
// ended (RT6, H6) while those at other points stay, and expired ones are
// recorded as such.
func (s *Server) retailEnds(c *client, point string, listed []string, now time.Time) []holdEnd {
	var ends []holdEnd
	for _, h := range c.holds {
		isListed := slices.Contains(listed, h.id)
		switch {
		case !s.active(h, now):
			ends = append(ends, holdEnd{h, endExpired, time.Unix(h.until, 0)})
		case isListed && !s.faults.has(faultListedHoldKept):
			ends = append(ends, holdEnd{h, endConsumed, now})
		case !isListed && (h.point == point || s.faults.has(faultRetailEndsAllHolds)) && !s.faults.has(faultRetailKeepsHolds):
			ends = append(ends, holdEnd{h, endRetail, now})
		}
	}
	return ends
}
