package sandbox

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

var hex24 = regexp.MustCompile(`^[0-9a-f]{24}$`)

// TestSearchShape: the answer is exactly api.Customer's shape with the
// documented types (S6, G8): decoding with unknown fields disallowed
// catches an extra or misspelt key.
func TestSearchShape(t *testing.T) {
	h := newHarness(t)
	for i := range h.fx.Clients {
		a := h.ok(api.EpSearch, map[string]any{"search": h.phone(i), "point": h.point(0)})
		var resp api.SearchResponse
		dec := json.NewDecoder(bytes.NewReader(a.raw))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&resp), "%s", a.raw)
		c := resp.Client
		assert.Regexp(t, hex24, c.ID)
		assert.NotEmpty(t, c.Name)
		assert.Equal(t, h.phone(i), strconv.FormatFloat(c.Phone, 'f', -1, 64))
		assert.Regexp(t, `^7920[0-9]{7}$`, h.phone(i))
		assert.Regexp(t, hex24, c.Level.ID)
		assert.NotEmpty(t, c.Level.Title)
		assert.Contains(t, []string{api.TypeCashback, api.TypeDiscount}, c.Level.Type)
		assert.Equal(t, h.fx.Clients[i].Type, c.Level.Type)
		// S7
		assert.True(t, c.Level.Percent >= 0 && c.Level.Percent <= 100, "%s", a.raw)
		assert.True(t, c.Level.MaxSpendPercent >= 0 && c.Level.MaxSpendPercent <= 100, "%s", a.raw)
		assert.GreaterOrEqual(t, c.Balance, 0.0)
		if c.Photo != nil {
			assert.Regexp(t, `^https://`, *c.Photo)
		}
		if c.Birthday != nil {
			_, err := time.Parse(time.DateOnly, *c.Birthday)
			assert.NoError(t, err)
		}
		if c.Email != nil {
			assert.Contains(t, *c.Email, "@")
		}
		// phone and balance are JSON numbers, id a string (G8)
		cl := a.obj("client")
		assert.IsType(t, json.Number(""), cl["phone"])
		assert.IsType(t, json.Number(""), cl["balance"])
		assert.IsType(t, "", cl["id"])
	}
}

// TestSearchOptionalFieldsAbsent: S6, a client without photo, birthday
// and email has the keys left out, not null.
func TestSearchOptionalFieldsAbsent(t *testing.T) {
	h := newHarness(t)
	cl := h.ok(api.EpSearch, map[string]any{"search": h.phone(cBare), "point": h.point(0)}).obj("client")
	for _, k := range []string{"photo", "birthday", "email"} {
		assert.NotContains(t, cl, k)
	}
	cl = h.ok(api.EpSearch, map[string]any{"search": h.phone(cRich), "point": h.point(0)}).obj("client")
	for _, k := range []string{"photo", "birthday", "email"} {
		assert.IsType(t, "", cl[k])
	}
}

// TestSearchByEachIdentifier: S5.
func TestSearchByEachIdentifier(t *testing.T) {
	h := newHarness(t)
	for i, fc := range h.fx.Clients {
		var ids []string
		for _, q := range []string{fc.Phone, fc.Card, fc.Code} {
			a := h.ok(api.EpSearch, map[string]any{"search": q, "point": h.point(1)})
			ids = append(ids, a.obj("client")["id"].(string))
		}
		assert.Equal(t, []string{h.id(i), h.id(i), h.id(i)}, ids, "client %d", i)
	}
}

// TestSearchNotFound: S1, S2, with the vendor's exact bodies.
func TestSearchNotFound(t *testing.T) {
	h := newHarness(t)
	a := h.post(api.EpSearch, map[string]any{"search": "79990000000", "point": h.point(0)})
	assert.Equal(t, 422, a.status)
	assert.JSONEq(t, `{"client": "Client not found."}`, string(a.raw))
	a = h.post(api.EpSearch, map[string]any{"search": h.phone(0), "point": "000000000000000000000000"})
	assert.Equal(t, 422, a.status)
	assert.JSONEq(t, `{"point": "Point not found."}`, string(a.raw))
	// An id is not a search key; a prefix of a phone finds nobody.
	assert.Equal(t, api.MsgClientNotFound, h.refused(api.EpSearch, map[string]any{"search": h.id(0), "point": h.point(0)}, "client"))
	assert.Equal(t, api.MsgClientNotFound, h.refused(api.EpSearch, map[string]any{"search": h.phone(0)[:10], "point": h.point(0)}, "client"))
	for _, ep := range []api.Endpoint{api.EpRecalc, api.EpHold, api.EpRetail} {
		body := map[string]any{"client": "64b000000000000000000b01", "point": h.point(0), "amount": 10, "spend": 0}
		assert.Equal(t, api.MsgClientNotFound, h.refused(ep, body, "client"), ep)
		body = map[string]any{"client": h.id(0), "point": "nowhere", "amount": 10, "spend": 0}
		assert.Equal(t, api.MsgPointNotFound, h.refused(ep, body, "point"), ep)
	}
}

// TestSearchDiscountBalance: S3, a discount client shows 0 though its
// stored balance is not.
func TestSearchDiscountBalance(t *testing.T) {
	h := newHarness(t)
	for _, i := range []int{cDiscount, cDisc5} {
		assert.Positive(t, h.audit(i).Balance)
		assert.Equal(t, int64(0), h.balance(i))
		assert.Equal(t, api.TypeDiscount, h.fx.Clients[i].Type)
	}
}

// TestSearchHolds: S4/H5, active holds lower the balance unless listed;
// listed ids that are unknown or another client's are ignored.
func TestSearchHolds(t *testing.T) {
	h := newHarness(t)
	other := h.hold(cSilver, 100, nil)
	a := h.hold(cRich, 300, nil)
	b := h.hold(cRich, 200, map[string]any{"point": h.point(1)})
	assert.Equal(t, int64(4500), h.balance(cRich))
	assert.Equal(t, int64(4800), h.balance(cRich, a))
	assert.Equal(t, int64(4700), h.balance(cRich, b))
	assert.Equal(t, int64(5000), h.balance(cRich, a, b))
	assert.Equal(t, int64(5000), h.balance(cRich, a, b, a))
	assert.Equal(t, int64(4500), h.balance(cRich, other, "nope"))
	assert.Equal(t, int64(2400), h.balance(cSilver))
}
