package sandbox

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"loyalcheck/api"
)

// TestRetail: RT1-RT4, RT7, the answers and the balance after each.
func TestRetail(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name    string
		client  int
		amount  any
		spend   int64
		want    string // the retail object
		balance int64  // search balance after
	}{
		{"spend", cRich, 100, 40, `{"amount":100,"total":60,"percent":10,"type":"cashback","spend":40}`, 4960},
		{"spend all", cRich, 50.5, 50, `{"amount":50.5,"total":0.5,"percent":10,"type":"cashback","spend":50}`, 4910},
		{"accrue", cRich, 123.45, 0, `{"amount":123.45,"total":123.45,"percent":10,"type":"cashback","earn":12}`, 4922},
		{"accrue with no points", cZero, 99.99, 0, `{"amount":99.99,"total":99.99,"percent":7,"type":"cashback","earn":6}`, 6},
		{"spend what was earned", cZero, 100, 6, `{"amount":100,"total":94,"percent":7,"type":"cashback","spend":6}`, 0},
		{"total to kopecks", cBare, 100.555, 30, `{"amount":100.555,"total":70.56,"percent":5,"type":"cashback","spend":30}`, 970},
		{"discount", cDiscount, 100, 0, `{"amount":100,"total":90,"percent":10,"type":"discount","earn":0}`, 0},
		{"discount 5%", cDisc5, 99.99, 0, `{"amount":99.99,"total":94.99,"percent":5,"type":"discount","earn":0}`, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hh := *h
			hh.t = t
			storedBefore := hh.audit(c.client).Balance
			a := hh.ok(api.EpRetail, map[string]any{"client": hh.id(c.client), "point": hh.point(0), "amount": c.amount, "spend": c.spend})
			assert.JSONEq(t, `{"success":true,"retail":`+c.want+`}`, string(a.raw))
			assert.Equal(t, c.balance, hh.balance(c.client))
			row := hh.audit(c.client)
			assert.True(t, row.Consistent(), "%+v", row)
			if c.spend == 0 && h.fx.Clients[c.client].Type == api.TypeDiscount {
				assert.Equal(t, storedBefore, row.Balance, "a discount retail leaves the stored balance alone")
			}
		})
	}
}

// TestRetailRefusals: RT1, RT7, with the vendor's message and no side
// effect.
func TestRetailRefusals(t *testing.T) {
	h := newHarness(t)
	before := h.snapshot()
	cases := []struct {
		client int
		amount float64
		spend  int64
		msg    string
	}{
		{cRich, 100, 101, "Spend can't be more 100"},
		{cRich, 10000, 5001, "Spend can't be more 5000"},
		{cBare, 100, 31, "Spend can't be more 30"},
		{cZero, 100, 1, "Spend can't be more 0"},
		{cDiscount, 100, 1, "Spend can't be more 0"},
		{cDisc5, 1000, 300, "Spend can't be more 0"},
		{cRich, 0.5, 1, "Spend can't be more 0"},
	}
	for _, c := range cases {
		body := map[string]any{"client": h.id(c.client), "point": h.point(0), "amount": c.amount, "spend": c.spend}
		a := h.post(api.EpRetail, body)
		assert.Equal(t, 422, a.status)
		assert.JSONEq(t, `{"spend": "`+c.msg+`"}`, string(a.raw))
	}
	assert.Equal(t, before, h.snapshot())
}

// TestLedger: L1 over a sequence of operations of every kind.
func TestLedger(t *testing.T) {
	h := newHarness(t)
	spent, earned := int64(0), int64(0)
	for i := range 30 {
		spend := int64(i % 3 * 10)
		body := map[string]any{"client": h.id(cSilver), "point": h.point(i % 3), "amount": 100 + i, "spend": spend}
		if i%5 == 0 {
			body["hold"] = []string{h.hold(cSilver, 20, map[string]any{"point": h.point((i + 1) % 3)})}
		}
		r := h.ok(api.EpRetail, body).obj("retail")
		if spend > 0 {
			spent += num(t, r["spend"])
		} else {
			earned += num(t, r["earn"])
		}
	}
	row := h.audit(cSilver)
	assert.Equal(t, 2500-spent+earned, row.Balance)
	assert.Equal(t, spent, row.Spent)
	assert.Equal(t, earned, row.Earned)
	assert.Equal(t, 30, row.Ops)
	assert.True(t, row.Consistent())
	assert.Equal(t, row.Balance-row.Held, h.balance(cSilver))
}
