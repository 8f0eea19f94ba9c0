package contract

import (
	"math"

	"loyalcheck/api"
)

func recalcChecks() []check {
	return []check{
		{name: "c1-echo", rule: "C1", run: checkC1,
			summary: "recalc echoes the amount and the client's level type"},
		{name: "c2-spend-bound", rule: "C2", run: checkC2,
			summary: "cashback: spend is within the available balance and maxSpendPercent of the amount"},
		{name: "c3-spend-exact", rule: "C3", run: checkC3,
			summary: "cashback: spend is exactly the bound, and a retail spending it succeeds"},
		{name: "c4-earn", rule: "C4", run: checkC4,
			summary: "cashback: earn is amount x percent / 100 within one point"},
		{name: "c5-discount", rule: "C5", run: checkC5,
			summary: "discount: spend and earn are 0"},
		{name: "c6-no-side-effect", rule: "C6", run: checkC6,
			summary: "recalc changes neither balance nor holds"},
		{name: "c7-bad-amount", rule: "C7", run: checkC7,
			summary: "a missing, non-numeric, zero or negative amount is refused with key amount"},
	}
}

// recalcOf runs a recalc for the member, recording a broken check on an
// unusable answer.
func (t *T) recalcOf(m *member, amount float64, holds ...string) (*wRecalc, *reply) {
	rc, r := t.recalc(api.RecalcRequest{Client: m.id, Point: t.s.point, Amount: amount, Hold: holds})
	if rc == nil {
		t.Broken("recalc of "+n(amount)+" for "+m.key, r)
	}
	return rc, r
}

func checkC1(t *T) {
	var ms []*member
	for _, m := range []*member{t.s.roles.cashback(), t.s.roles.discount} {
		if m != nil {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		t.noRole("", "no fixture client could be found by searching it")
		return
	}
	var last *reply
	for _, m := range ms {
		const amount = 1234.5
		rc, r := t.recalcOf(m, amount)
		if rc == nil {
			continue
		}
		last = r
		if !rc.Amount.Set || !api.Near(rc.Amount.V, amount) {
			t.Fail(r.Ex, "recalc.amount is %s; want the request's %s", rawField(r.Ex.Body, "recalc", "amount"), n(amount))
		}
		if string(rc.Type) != m.typ {
			t.Fail(r.Ex, "recalc.type is %q; the client's level type is %q", rc.Type, m.typ)
		}
	}
	if last != nil {
		t.Pass(last.Ex, "recalc echoes the amount and the level type (%d clients)", len(ms))
	}
}

// bigAmount is a receipt whose maxSpendPercent share exceeds the balance,
// so the balance is the binding bound.
func bigAmount(m *member, bal float64) float64 { return amountFor(bal+10, m.maxPct) }

func checkC2(t *T) {
	m, bal := t.richBalance()
	if m == nil {
		return
	}
	judge := func(rc *wRecalc, r *reply, amount, avail float64, how string) {
		if rc == nil {
			return
		}
		pct := api.SpendCap(amount, m.maxPct)
		switch {
		case !rc.Spend.Set || rc.Spend.V < 0:
			t.Fail(r.Ex, "recalc.spend is %s; want a number >= 0", rawField(r.Ex.Body, "recalc", "spend"))
		case api.Exceeds(rc.Spend.V, avail):
			t.Fail(r.Ex, "recalc of %s%s: spend %s exceeds the available balance %s", n(amount), how, n(rc.Spend.V), n(avail))
		case api.Exceeds(rc.Spend.V, pct):
			t.Fail(r.Ex, "recalc of %s: spend %s exceeds %s%% of the amount (%s)", n(amount), n(rc.Spend.V), n(m.maxPct), n(pct))
		}
	}
	small := amountFor(max(1, math.Floor(bal/4)), m.maxPct)
	for _, a := range []float64{small, bigAmount(m, bal)} {
		rc, r := t.recalcOf(m, a)
		judge(rc, r, a, bal, "")
	}
	x := max(1, math.Floor(bal/4))
	h, hr := t.hold(api.HoldRequest{Client: m.id, Point: t.s.point, Amount: x})
	if h == nil || h.ID == "" {
		t.Broken("holding "+n(x)+" points", hr)
		return
	}
	rc, r := t.recalcOf(m, bigAmount(m, bal))
	judge(rc, r, bigAmount(m, bal), bal-x, " with a hold of "+n(x)+" active")
	rc, r = t.recalcOf(m, bigAmount(m, bal), string(h.ID))
	judge(rc, r, bigAmount(m, bal), bal, " listing the active hold")
	if z := t.s.roles.zero; z != nil {
		rc, r := t.recalcOf(z, 1000)
		judge(rc, r, 1000, 0, " for a client with balance 0")
	}
	t.Pass(r.Ex, "spend stays within the available balance (holds counted) and maxSpendPercent")
}

func checkC3(t *T) {
	m, bal := t.richBalance()
	if m == nil {
		return
	}
	for _, a := range []float64{amountFor(max(1, math.Floor(bal/4)), m.maxPct) + 0.5, bigAmount(m, bal)} {
		rc, r := t.recalcOf(m, a)
		if rc == nil {
			return
		}
		bound := math.Min(bal, api.SpendCap(a, m.maxPct))
		if api.Below(rc.Spend.V, math.Floor(bound)) {
			t.Warn(r.Ex, "recalc of %s: spend %s is below the bound %s (min of balance %s and %s%% of the amount)",
				n(a), n(rc.Spend.V), n(math.Floor(bound)), n(bal), n(m.maxPct))
		}
	}
	// A retail spending exactly recalc's spend must succeed.
	a := amountFor(3, m.maxPct)
	rc, _ := t.recalcOf(m, a)
	if rc == nil {
		return
	}
	if rc.Spend.V <= 0 {
		t.Warn(nil, "recalc of %s offers spend %s; want a positive spend for a client with balance %s", n(a), n(rc.Spend.V), n(bal))
		return
	}
	rt, r := t.retail(api.RetailRequest{Client: m.id, Point: t.s.point, Amount: a, Spend: rc.Spend.V})
	if rt == nil {
		t.Warn(r.Ex, "a retail spending recalc's spend %s of %s was not accepted: %s", n(rc.Spend.V), n(a), r.Describe())
		return
	}
	t.Pass(r.Ex, "recalc's spend is the exact bound; a retail spending it (%s) succeeds", n(rc.Spend.V))
}

func checkC4(t *T) {
	var ms []*member
	for _, m := range []*member{t.s.roles.rich, t.s.roles.zero} {
		if m != nil {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		if m := t.cashback(); m == nil {
			return
		} else {
			ms = append(ms, m)
		}
	}
	var last *reply
	for _, m := range ms {
		for _, a := range []float64{1234, 999, 57} {
			rc, r := t.recalcOf(m, a)
			if rc == nil {
				continue
			}
			last = r
			if !rc.Percent.Set || !rc.Earn.Set {
				t.Fail(r.Ex, "recalc answer lacks a numeric percent or earn")
				continue
			}
			if !api.EarnNear(rc.Earn.V, a, rc.Percent.V) {
				t.Fail(r.Ex, "recalc of %s at %s%%: earn %s; want %s (within one point)", n(a), n(rc.Percent.V), n(rc.Earn.V), n(a*rc.Percent.V/100))
			}
		}
	}
	if last != nil {
		t.Pass(last.Ex, "earn is amount x percent / 100 within one point")
	}
}

func checkC5(t *T) {
	m := t.discount()
	if m == nil {
		return
	}
	rc, r := t.recalcOf(m, 1000)
	if rc == nil {
		return
	}
	if rc.Spend.V != 0 || rc.Earn.V != 0 {
		t.Warn(r.Ex, "discount client %s: recalc spend %s, earn %s; want both 0", m.key, n(rc.Spend.V), n(rc.Earn.V))
		return
	}
	t.Pass(r.Ex, "discount client: spend and earn are 0")
}

func checkC6(t *T) {
	m := t.rich()
	if m == nil {
		return
	}
	x := float64(1)
	h, hr := t.hold(api.HoldRequest{Client: m.id, Point: t.s.point, Amount: x})
	if h == nil || h.ID == "" {
		t.Broken("holding 1 point", hr)
		return
	}
	b0, _, ok := t.balance(m)
	if !ok {
		return
	}
	bl0, _, ok := t.balance(m, string(h.ID))
	if !ok {
		return
	}
	var last *reply
	for _, req := range []api.RecalcRequest{
		{Client: m.id, Point: t.s.point, Amount: 1000},
		{Client: m.id, Point: t.s.point, Amount: bigAmount(m, b0), Hold: []string{string(h.ID)}},
		{Client: m.id, Point: t.s.point, Amount: 57},
	} {
		_, last = t.recalc(req)
	}
	b1, r1, ok := t.balance(m)
	if !ok {
		return
	}
	bl1, r2, ok := t.balance(m, string(h.ID))
	if !ok {
		return
	}
	if !api.Near(b1, b0) {
		t.Warn(r1.Ex, "three recalcs moved the balance from %s to %s", n(b0), n(b1))
	}
	if !api.Near(bl1-b1, bl0-b0) {
		t.Warn(r2.Ex, "after a recalc listing it, the hold of %s counts %s against the balance (was %s)", n(x), n(bl1-b1), n(bl0-b0))
	}
	t.Pass(last.Ex, "three recalcs left the balance (%s) and the active hold as they were", n(b0))
}

func checkC7(t *T) {
	m := t.cashback()
	if m == nil {
		return
	}
	valid := map[string]any{"client": m.id, "point": t.s.point, "amount": 100}
	cases := []refusal{
		{"recalc without amount", with(valid, "amount", nil), "amount"},
		{`recalc with amount "abc"`, with(valid, "amount", "abc"), "amount"},
		{"recalc with amount 0", with(valid, "amount", 0), "amount"},
		{"recalc with amount -100", with(valid, "amount", -100), "amount"},
		{"recalc for an unknown client", with(valid, "client", unknownID()), "client"},
		{"recalc at an unknown point", with(valid, "point", unknownID()), "point"},
	}
	last := t.expectRefusals(api.EpRecalc, cases)
	t.Pass(last.Ex, "bad amounts, unknown client and point are refused with the right key (%d cases)", len(cases))
}
