package contract

import (
	"fmt"
	"math"
	"time"

	"loyalcheck/api"
)

func holdChecks() []check {
	return []check{
		{name: "h1-echo", rule: "H1", run: checkH1,
			summary: "an accepted hold echoes the amount and has a non-empty id"},
		{name: "h2-until", rule: "H2", run: checkH2,
			summary: "until is now + duration (10 min by default) within the clock tolerance"},
		{name: "h3-max-duration", rule: "H3", run: checkH3,
			summary: "a duration over 30 is refused (key duration) or cut to 30"},
		{name: "h4-overdraw", rule: "H4", run: checkH4,
			summary: "holding more than is available is refused with key amount"},
		{name: "h5-hold-visibility", rule: "H5", run: checkH5,
			summary: "an active hold, here or at another point, lowers the balance seen by search, recalc and retail unless listed"},
		{name: "h6-release", rule: "H6", run: checkH6Release,
			summary: "release gives the held points back"},
		{name: "h6-expiry", rule: "H6", slow: true, run: checkH6Expiry,
			summary: "an expired hold gives the held points back"},
		{name: "h7-release-idempotent", rule: "H7", run: checkH7,
			summary: "release succeeds for unknown and already released ids"},
	}
}

// holdOf holds amount points of the member (duration nil: the default),
// recording a broken check when the hold is not accepted.
func (t *T) holdOf(m *member, amount float64, duration *int) (*wHeld, *reply) {
	h, r := t.hold(api.HoldRequest{Client: m.id, Point: t.s.point, Amount: amount, Duration: duration})
	if h == nil || h.ID == "" {
		t.Broken("holding "+n(amount)+" points of "+m.key, r)
		return nil, r
	}
	return h, r
}

func checkH1(t *T) {
	m := t.rich()
	if m == nil {
		return
	}
	const x = 7
	h, r := t.hold(api.HoldRequest{Client: m.id, Point: t.s.point, Amount: x})
	switch {
	case h == nil:
		t.Broken("holding 7 points", r)
	case string(h.ID) == "" || !isJSONString(rawField(r.Ex.Body, "held", "id")):
		t.Fail(r.Ex, "held.id is %s; want a non-empty string", rawField(r.Ex.Body, "held", "id"))
	case !h.Amount.Set || !api.Near(h.Amount.V, x):
		t.Fail(r.Ex, "held.amount is %s; want the requested %d", rawField(r.Ex.Body, "held", "amount"), x)
	default:
		t.Pass(r.Ex, "hold of %d answers id %q and amount %s", x, h.ID, n(h.Amount.V))
	}
}

func isJSONString(raw []byte) bool {
	return len(raw) > 1 && raw[0] == '"' && raw[len(raw)-1] == '"' && len(raw) > 2
}

// untilWindow returns the earliest and latest acceptable until (UNIX
// seconds) for a hold of d sent between t0 and t1.
func (t *T) untilWindow(t0, t1 time.Time, d time.Duration) (lo, hi int64) {
	tol := t.s.cfg.tolerance
	return t0.Add(d - tol).Unix(), t1.Add(d + tol).Unix()
}

func checkH2(t *T) {
	m := t.rich()
	if m == nil {
		return
	}
	var last *reply
	for _, d := range []*int{nil, ptr(5)} {
		mins, label := 10, "no duration"
		if d != nil {
			mins, label = *d, fmt.Sprintf("duration %d", *d)
		}
		t0 := t.s.cfg.now()
		h, r := t.holdOf(m, 1, d)
		t1 := t.s.cfg.now()
		if h == nil {
			return
		}
		last = r
		lo, hi := t.untilWindow(t0, t1, time.Duration(mins)*time.Minute)
		u := int64(h.Until.V)
		if !h.Until.Set || u < lo || u > hi {
			t.Fail(r.Ex, "hold with %s: until %s; want now + %d min = %d (±%s)", label,
				rawField(r.Ex.Body, "held", "until"), mins, t0.Add(time.Duration(mins)*time.Minute).Unix(), t.s.cfg.tolerance)
		}
	}
	t.Pass(last.Ex, "until is now + duration, 10 minutes by default")
}

func checkH3(t *T) {
	m := t.rich()
	if m == nil {
		return
	}
	var last *reply
	for _, d := range []int{31, 60} {
		t0 := t.s.cfg.now()
		h, r := t.hold(api.HoldRequest{Client: m.id, Point: t.s.point, Amount: 1, Duration: ptr(d)})
		t1 := t.s.cfg.now()
		last = r
		what := fmt.Sprintf("hold with duration %d", d)
		switch {
		case r.Err != nil:
			t.Broken(what, r)
		case r.OK() && h != nil:
			lo, hi := t.untilWindow(t0, t1, 30*time.Minute)
			u := int64(h.Until.V)
			switch {
			case u > hi:
				t.Fail(r.Ex, "%s accepted with until %d, %s after now: longer than 30 minutes", what, u,
					time.Duration(u-t0.Unix())*time.Second)
			case u < lo:
				t.Warn(r.Ex, "%s accepted with until %d, %s after now: neither refused nor cut to 30 minutes", what, u,
					time.Duration(u-t0.Unix())*time.Second)
			}
		case r.OK():
			t.Fail(r.Ex, "%s answered 200 without a usable held object", what)
		case r.Status() == 422 && r.Has("duration"):
		default:
			t.Warn(r.Ex, "%s refused with HTTP %d (keys: %s); want 422 with key duration", what, r.Status(), r.Keys())
		}
	}
	t.Pass(last.Ex, "durations over 30 are refused with key duration or cut to 30")
}

// expectOverdraw judges a hold that exceeds the available balance: a
// deviation is recorded (Broken or Warn), a 422 naming amount is not.
func (t *T) expectOverdraw(r *reply, what string) {
	switch {
	case r.Err != nil:
		t.Broken(what, r)
	case r.OK():
		t.Warn(r.Ex, "%s was accepted", what)
	case r.Status() == 422 && r.Has("amount"): // as expected
	case r.Status() == 422:
		t.Warn(r.Ex, "%s refused with key %s; want key amount", what, r.Keys())
	default:
		t.Warn(r.Ex, "%s answered HTTP %d; want 422 with key amount", what, r.Status())
	}
}

func checkH4(t *T) {
	m, bal := t.richBalance()
	if m == nil {
		return
	}
	_, r := t.hold(api.HoldRequest{Client: m.id, Point: t.s.point, Amount: bal + 1})
	t.expectOverdraw(r, fmt.Sprintf("a hold of %s with %s available", n(bal+1), n(bal)))
	x := math.Ceil(bal * 0.6)
	if h, _ := t.holdOf(m, x, nil); h == nil {
		return
	}
	_, r = t.hold(api.HoldRequest{Client: m.id, Point: t.s.point, Amount: x})
	t.expectOverdraw(r, fmt.Sprintf("a second hold of %s (60%% of %s) while the first is active", n(x), n(bal)))
	if z := t.s.roles.zero; z != nil {
		_, r = t.hold(api.HoldRequest{Client: z.id, Point: t.s.point, Amount: 1})
		t.expectOverdraw(r, "a hold of 1 point for a client with balance 0")
	}
	t.Pass(r.Ex, "holds beyond the available balance are refused with key amount")
}

func checkH5(t *T) {
	m, bal := t.richBalance()
	if m == nil {
		return
	}
	x := max(1, math.Floor(bal/3))
	h, _ := t.holdOf(m, x, nil)
	if h == nil {
		return
	}
	id := string(h.ID)
	if b, r, ok := t.balance(m); !ok {
		return
	} else if !api.Near(b, bal-x) {
		t.Fail(r.Ex, "search not listing the active hold of %s shows %s; want %s", n(x), n(b), n(bal-x))
	}
	if b, r, ok := t.balance(m, id); !ok {
		return
	} else if !api.Near(b, bal) {
		t.Fail(r.Ex, "search listing the active hold of %s shows %s; want %s", n(x), n(b), n(bal))
	}
	big := bigAmount(m, bal)
	if rc, r := t.recalcOf(m, big); rc == nil {
		return
	} else if api.Exceeds(rc.Spend.V, bal-x) {
		t.Fail(r.Ex, "recalc not listing the active hold of %s offers spend %s; only %s is not held", n(x), n(rc.Spend.V), n(bal-x))
	}
	if rc, r := t.recalcOf(m, big, id); rc == nil {
		return
	} else if !api.Exceeds(rc.Spend.V, bal-x) {
		t.Fail(r.Ex, "recalc listing the active hold of %s offers spend %s; the listed hold should make %s available", n(x), n(rc.Spend.V), n(bal))
	}
	rt, r := t.retail(api.RetailRequest{Client: m.id, Point: t.s.point, Amount: big, Spend: bal - x + 1})
	if rt != nil {
		t.Fail(r.Ex, "a retail not listing the active hold of %s spent %s with only %s not held", n(x), n(bal-x+1), n(bal-x))
	}
	// A hold counts wherever it was made: one at another point is seen
	// here by search and recalc too.
	other := t.s.otherPoint()
	if other == "" {
		t.Pass(r.Ex, "a hold of %s is seen by search, recalc and retail unless listed", n(x))
		t.Skip("fixtures list one point: that a hold at another point is seen here is unverified")
		return
	}
	y := max(1, math.Floor(bal/6))
	if h2, hr := t.hold(api.HoldRequest{Client: m.id, Point: other, Amount: y}); h2 == nil || h2.ID == "" {
		t.Broken("holding "+n(y)+" points at a second point", hr)
		return
	}
	if b, br, ok := t.balance(m); !ok {
		return
	} else if !api.Near(b, bal-x-y) {
		t.Fail(br.Ex, "with holds of %s here and %s at point %s active, search here shows %s; want %s", n(x), n(y), other, n(b), n(bal-x-y))
	}
	if rc, rr := t.recalcOf(m, big); rc == nil {
		return
	} else if api.Exceeds(rc.Spend.V, bal-x-y) {
		t.Fail(rr.Ex, "with holds of %s here and %s at point %s active, recalc here offers spend %s; only %s is not held",
			n(x), n(y), other, n(rc.Spend.V), n(bal-x-y))
	}
	t.Pass(r.Ex, "holds of %s here and %s at another point are seen by search, recalc and retail unless listed", n(x), n(y))
}

func checkH6Release(t *T) {
	m, bal := t.richBalance()
	if m == nil {
		return
	}
	x := max(1, math.Floor(bal/5))
	h, _ := t.holdOf(m, x, nil)
	if h == nil {
		return
	}
	okRel, rr := t.release(string(h.ID))
	if !okRel {
		t.Broken("releasing the hold", rr)
		return
	}
	b, r, ok := t.balance(m)
	if !ok {
		return
	}
	if !api.Near(b, bal) {
		t.Fail(r.Ex, "after releasing a hold of %s the balance is %s; want %s", n(x), n(b), n(bal))
		return
	}
	t.Pass(r.Ex, "after release the balance is back to %s", n(bal))
}

func checkH6Expiry(t *T) {
	m, bal := t.richBalance()
	if m == nil {
		return
	}
	x := max(1, math.Floor(bal/5))
	h, hr := t.holdOf(m, x, ptr(1))
	if h == nil {
		return
	}
	until := time.Unix(int64(h.Until.V), 0)
	deadline := until.Add(t.s.cfg.tolerance)
	wait := until.Sub(t.s.cfg.now()) + time.Second
	if wait > 2*time.Minute {
		t.Fail(hr.Ex, "cannot wait for the hold to expire: until %s is %s away for a 1-minute hold", n(h.Until.V), wait.Round(time.Second))
		return
	}
	for {
		if wait > 0 {
			if err := t.s.cfg.wait(t.ctx, wait); err != nil {
				t.Skip("interrupted while waiting for the hold to expire")
				return
			}
		}
		b, r, ok := t.balance(m)
		if !ok {
			return
		}
		if api.Near(b, bal) {
			t.s.led.markEnded(string(h.ID))
			t.Pass(r.Ex, "the hold of %s (duration 1) expired: the balance is back to %s", n(x), n(bal))
			break
		}
		now := t.s.cfg.now()
		if !now.Before(deadline) {
			t.Fail(r.Ex, "the hold of %s is still counted %s after its until (%d): balance %s, want %s",
				n(x), now.Sub(until).Round(time.Second), until.Unix(), n(b), n(bal))
			return
		}
		wait = min(5*time.Second, deadline.Sub(now))
	}
	// H7: releasing an expired hold succeeds too.
	if ok, r := t.release(string(h.ID)); !ok {
		t.FailOn("H7", r.Ex, "release of an expired hold answered %s; want 200 {\"success\": true}", r.Describe())
	}
}

func checkH7(t *T) {
	ok, r := t.release(unknownID())
	if !ok {
		t.Fail(r.Ex, "release of an unknown id answered %s; want 200 {\"success\": true}", r.Describe())
	}
	if m := t.s.roles.rich; m != nil {
		h, _ := t.holdOf(m, 1, nil)
		if h == nil {
			return
		}
		if ok, r := t.release(string(h.ID)); !ok {
			t.Broken("releasing a fresh hold", r)
			return
		}
		if ok, r2 := t.release(string(h.ID)); !ok {
			t.Fail(r2.Ex, "releasing an already released hold answered %s; want 200 {\"success\": true}", r2.Describe())
		} else {
			r = r2
		}
	}
	t.Pass(r.Ex, "release answers success for unknown and already released ids")
}
