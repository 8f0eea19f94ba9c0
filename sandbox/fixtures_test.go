package sandbox

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

// TestFixturesDeterministic: the same seed gives the same fixtures; the
// first clients have their roles whatever the seed.
func TestFixturesDeterministic(t *testing.T) {
	a := generate(1, 50, 5)
	b := generate(1, 50, 5)
	c := generate(2, 50, 5)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a.clients[0].id, c.clients[0].id)
	assert.NotEqual(t, a.points, c.points)
	for _, seed := range []int64{1, 2, 3, -7, 1 << 40} {
		ds := generate(seed, 6, 1)
		for i, r := range fixedRoles() {
			cl := ds.clients[i]
			assert.Equal(t, ds.levels[r.level].id, cl.level, "seed %d client %d", seed, i)
			assert.Equal(t, r.balance, cl.initial)
			assert.Equal(t, r.bare, cl.photo == "" && cl.email == "" && cl.birthday == "")
		}
	}
}

// TestFixturesWellFormed: identifiers are unique and well formed; the mix
// of clients is about as documented.
func TestFixturesWellFormed(t *testing.T) {
	const n = 2000
	ds := generate(42, n, 50)
	seen := map[string]bool{}
	levels := map[string]level{}
	for _, l := range ds.levels {
		levels[l.id] = l
	}
	discount, zero, bare := 0, 0, 0
	for _, p := range ds.points {
		assert.Regexp(t, hex24, p)
		assert.False(t, seen[p])
		seen[p] = true
	}
	for _, c := range ds.clients {
		assert.Regexp(t, hex24, c.id)
		assert.Regexp(t, `^7920[0-9]{7}$`, c.phone)
		assert.Regexp(t, `^[0-9]{13}$`, c.card)
		assert.Regexp(t, `^[A-Z0-9]{6}$`, c.code)
		assert.Regexp(t, `[A-Z]`, c.code, "a code is never all digits, so it never looks like a card or phone")
		for _, id := range []string{c.id, c.phone, c.card, c.code} {
			assert.False(t, seen[id], "duplicate %s", id)
			seen[id] = true
		}
		l, ok := levels[c.level]
		require.True(t, ok)
		assert.True(t, c.initial >= 0 && c.initial <= 5000)
		if l.discount() {
			discount++
			assert.Positive(t, c.initial, "discount clients have a stored balance, for the discount-balance fault")
		} else if c.initial == 0 {
			zero++
		}
		if c.photo == "" {
			bare++
		}
	}
	assert.InDelta(t, 0.15, float64(discount)/n, 0.03)
	assert.InDelta(t, 0.05, float64(zero)/n, 0.02)
	assert.InDelta(t, 0.05, float64(bare)/n, 0.02)
}

// TestFixturesAPI: Fixtures lists the clients in order with their
// identifiers and type, and is a copy.
func TestFixturesAPI(t *testing.T) {
	h := newHarness(t)
	fx := h.srv.Fixtures()
	require.NoError(t, fx.Validate())
	assert.Len(t, fx.Points, 3)
	assert.Len(t, fx.Clients, 20)
	assert.Equal(t, api.TypeCashback, fx.Clients[cRich].Type)
	assert.Equal(t, api.TypeDiscount, fx.Clients[cDiscount].Type)
	fx.Clients[0].Phone = "changed"
	fx.Points[0] = "changed"
	assert.NotEqual(t, "changed", h.srv.Fixtures().Clients[0].Phone)
	assert.NotEqual(t, "changed", h.srv.Fixtures().Points[0])
}
