package sandbox

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

// TestRecalc: C1-C5 over each kind of client.
func TestRecalc(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		client  int
		amount  any
		want    string // the recalc object
		comment string
	}{
		{cRich, 100, `{"amount":100,"percent":10,"type":"cashback","spend":100,"earn":10}`, "Gold: spends the whole receipt"},
		{cRich, 123.45, `{"amount":123.45,"percent":10,"type":"cashback","spend":123,"earn":12}`, "fractions round down"},
		{cRich, 0.99, `{"amount":0.99,"percent":10,"type":"cashback","spend":0,"earn":0}`, "under a point"},
		{cRich, 10000, `{"amount":10000,"percent":10,"type":"cashback","spend":5000,"earn":1000}`, "bounded by the balance"},
		{cRich, 1e9, `{"amount":1000000000,"percent":10,"type":"cashback","spend":5000,"earn":100000000}`, "largest amount"},
		{cSilver, 100.5, `{"amount":100.5,"percent":7,"type":"cashback","spend":50,"earn":7}`, "Silver 7%/50"},
		{cSilver, 14.29, `{"amount":14.29,"percent":7,"type":"cashback","spend":7,"earn":1}`, "14.29*7% = 1.0003"},
		{cBare, 100, `{"amount":100,"percent":5,"type":"cashback","spend":30,"earn":5}`, "Bronze 5%/30"},
		{cBare, 10000, `{"amount":10000,"percent":5,"type":"cashback","spend":1000,"earn":500}`, "Bronze bounded by balance"},
		{cZero, 100, `{"amount":100,"percent":7,"type":"cashback","spend":0,"earn":7}`, "nothing to spend"},
		{cDiscount, 100, `{"amount":100,"percent":10,"type":"discount","spend":0,"earn":0}`, "discount: C5"},
		{cDisc5, 55.5, `{"amount":55.5,"percent":5,"type":"discount","spend":0,"earn":0}`, "discount: C5"},
	}
	before := h.snapshot()
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d/%v", c.client, c.amount), func(t *testing.T) {
			a := h.ok(api.EpRecalc, map[string]any{"client": h.id(c.client), "point": h.point(0), "amount": c.amount})
			assert.JSONEq(t, `{"success":true,"recalc":`+c.want+`}`, string(a.raw), c.comment)
		})
	}
	assert.Equal(t, before, h.snapshot(), "recalc changed the state (C6)")
}

// TestRecalcBoundIsExact: C3, retail accepts recalc's spend and refuses one
// point more with RT1's message naming that bound; checked for several
// clients, amounts and holds.
func TestRecalcBoundIsExact(t *testing.T) {
	h := newHarness(t)
	held := h.hold(cSilver, 2400, nil) // leaves 100 available
	cases := []struct {
		client int
		amount float64
		hold   []string
	}{
		{cRich, 100, nil}, {cRich, 77.77, nil}, {cBare, 100, nil}, {cBare, 33.33, nil},
		{cSilver, 1000, nil}, {cSilver, 1000, []string{held}}, {cZero, 100, nil},
	}
	for _, c := range cases {
		body := map[string]any{"client": h.id(c.client), "point": h.point(1), "amount": c.amount}
		if c.hold != nil {
			body["hold"] = c.hold
		}
		spend := num(t, h.ok(api.EpRecalc, body).obj("recalc")["spend"])
		msg := h.refused(api.EpRetail, merge(body, map[string]any{"spend": spend + 1}), "spend")
		assert.Equal(t, fmt.Sprintf("Spend can't be more %d", spend), msg)
		if spend > 0 {
			r := h.ok(api.EpRetail, merge(body, map[string]any{"spend": spend})).obj("retail")
			assert.Equal(t, spend, num(t, r["spend"]))
		}
	}
	// The retail that listed the hold consumed it (RT5): 2500 - 100 - 500.
	assert.Equal(t, int64(1900), h.balance(cSilver))
}

// TestRecalcHolds: S4 for recalc, holds reduce the spendable amount unless
// listed.
func TestRecalcHolds(t *testing.T) {
	h := newHarness(t)
	id := h.hold(cBare, 990, nil)
	body := map[string]any{"client": h.id(cBare), "point": h.point(0), "amount": 100}
	assert.Equal(t, int64(10), num(t, h.ok(api.EpRecalc, body).obj("recalc")["spend"]))
	body["hold"] = []string{id}
	assert.Equal(t, int64(30), num(t, h.ok(api.EpRecalc, body).obj("recalc")["spend"]))
	require.Equal(t, int64(10), h.balance(cBare))
}
