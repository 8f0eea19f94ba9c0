package sandbox

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

// endReason returns how the store says hold id ended ("" while open).
func (h *harness) endReason(id string) string {
	h.t.Helper()
	h.srv.wmu.Lock()
	defer h.srv.wmu.Unlock()
	var reason sql.NullString
	err := h.srv.st.conn.QueryRowContext(context.Background(), `SELECT end_reason FROM holds WHERE id = ?`, id).Scan(&reason)
	require.NoError(h.t, err)
	return reason.String
}

// TestHoldAnswer: H1, H2, H3.
func TestHoldAnswer(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		duration any // nil: omitted
		until    int64
	}{
		{nil, 600}, {1, 60}, {10, 600}, {30, 1800},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		body := map[string]any{"client": h.id(cRich), "point": h.point(0), "amount": 7}
		if c.duration != nil {
			body["duration"] = c.duration
		}
		held := h.ok(api.EpHold, body).obj("held")
		id, _ := held["id"].(string)
		assert.Regexp(t, hex24, id)
		assert.False(t, seen[id], "hold ids are unique")
		seen[id] = true
		assert.Equal(t, int64(7), num(t, held["amount"]))
		assert.Equal(t, t0.Unix()+c.until, num(t, held["until"]), "duration %v", c.duration)
		assert.Len(t, held, 3)
	}
	assert.Equal(t, "Duration can't be more 30",
		h.refused(api.EpHold, map[string]any{"client": h.id(cRich), "point": h.point(0), "amount": 7, "duration": 31}, "duration"))
}

// TestHoldLimit: H4, holds never add up to more than the balance; a
// discount client has nothing to hold.
func TestHoldLimit(t *testing.T) {
	h := newHarness(t)
	body := map[string]any{"client": h.id(cBare), "point": h.point(0), "amount": 1001}
	assert.Equal(t, MsgNotEnough, h.refused(api.EpHold, body, "amount"))
	h.hold(cBare, 600, nil)
	body["amount"] = 401
	h.refused(api.EpHold, body, "amount")
	body["amount"] = 400
	h.ok(api.EpHold, body)
	body["amount"] = 1
	h.refused(api.EpHold, body, "amount")
	assert.Equal(t, int64(0), h.balance(cBare))

	h.refused(api.EpHold, map[string]any{"client": h.id(cZero), "point": h.point(0), "amount": 1}, "amount")
	h.refused(api.EpHold, map[string]any{"client": h.id(cDiscount), "point": h.point(0), "amount": 1}, "amount")
}

// TestHoldExpiry: H6, a hold ends by itself at until.
func TestHoldExpiry(t *testing.T) {
	h := newHarness(t)
	ten := h.hold(cRich, 100, nil)
	five := h.hold(cRich, 50, map[string]any{"duration": 5})
	assert.Equal(t, int64(4850), h.balance(cRich))
	h.clock.Advance(5*time.Minute - time.Second)
	assert.Equal(t, int64(4850), h.balance(cRich))
	h.clock.Advance(time.Second)
	assert.Equal(t, int64(4900), h.balance(cRich))
	h.clock.Advance(5*time.Minute - time.Second)
	assert.Equal(t, int64(4900), h.balance(cRich))
	assert.Equal(t, int64(100), h.audit(cRich).Held)
	h.clock.Advance(time.Second)
	assert.Equal(t, int64(5000), h.balance(cRich))
	assert.Equal(t, int64(0), h.audit(cRich).Held)
	// Listing an expired hold gives nothing extra.
	assert.Equal(t, int64(5000), h.balance(cRich, ten, five))
	// The next change of the client records them as expired.
	h.ok(api.EpRetail, map[string]any{"client": h.id(cRich), "point": h.point(2), "amount": 10, "spend": 0})
	assert.Equal(t, endExpired, h.endReason(ten))
	assert.Equal(t, endExpired, h.endReason(five))
	// Releasing an expired hold is a success (H7).
	h.ok(api.EpRelease, map[string]any{"id": ten})
}

// TestRelease: H6, H7, release gives the points back and is idempotent.
func TestRelease(t *testing.T) {
	h := newHarness(t)
	id := h.hold(cRich, 1000, nil)
	other := h.hold(cRich, 1, nil)
	assert.Equal(t, int64(3999), h.balance(cRich))
	a := h.ok(api.EpRelease, map[string]any{"id": id})
	assert.JSONEq(t, `{"success": true}`, string(a.raw))
	assert.Equal(t, int64(4999), h.balance(cRich))
	assert.Equal(t, endReleased, h.endReason(id))
	assert.Equal(t, "", h.endReason(other))
	for _, again := range []string{id, id, "unknown", "6592a940273c9184bbed945a", "0"} {
		a := h.ok(api.EpRelease, map[string]any{"id": again})
		assert.JSONEq(t, `{"success": true}`, string(a.raw))
	}
	assert.Equal(t, int64(4999), h.balance(cRich))
	ops, err := h.srv.Operations(context.Background())
	require.NoError(t, err)
	var kinds []string
	for _, op := range ops {
		kinds = append(kinds, op.Kind)
	}
	assert.Equal(t, []string{OpHold, OpHold, OpRelease}, kinds, "one release journaled, the repeats none")
	row := h.audit(cRich)
	assert.Equal(t, int64(5000), row.Balance, "holds and releases do not touch the stored balance")
	assert.Equal(t, 1, row.Holds)
}

// TestRetailEndsHolds: RT5, RT6, H6, a retail consumes the holds it lists
// (wherever they are), ends the client's other holds at its point, and
// leaves the client's holds at other points and other clients' holds.
func TestRetailEndsHolds(t *testing.T) {
	h := newHarness(t)
	listedHere := h.hold(cRich, 100, nil)
	otherHere := h.hold(cRich, 200, nil)
	listedThere := h.hold(cRich, 300, map[string]any{"point": h.point(1)})
	otherThere := h.hold(cRich, 400, map[string]any{"point": h.point(1)})
	otherClient := h.hold(cSilver, 500, nil)
	assert.Equal(t, int64(4000), h.balance(cRich))

	r := h.ok(api.EpRetail, map[string]any{
		"client": h.id(cRich), "point": h.point(0), "amount": 1000, "spend": 350,
		"hold": []string{listedHere, listedThere},
	}).obj("retail")
	assert.Equal(t, int64(350), num(t, r["spend"]))

	assert.Equal(t, endConsumed, h.endReason(listedHere))
	assert.Equal(t, endConsumed, h.endReason(listedThere))
	assert.Equal(t, endRetail, h.endReason(otherHere))
	assert.Equal(t, "", h.endReason(otherThere))
	assert.Equal(t, "", h.endReason(otherClient))
	assert.Equal(t, int64(5000-350-400), h.balance(cRich))
	assert.Equal(t, int64(2000), h.balance(cSilver))
	row := h.audit(cRich)
	assert.Equal(t, int64(4650), row.Balance)
	assert.Equal(t, int64(400), row.Held)
	assert.True(t, row.Consistent())

	// An accrual at the other point ends the hold there too.
	h.ok(api.EpRetail, map[string]any{"client": h.id(cRich), "point": h.point(1), "amount": 10, "spend": 0})
	assert.Equal(t, endRetail, h.endReason(otherThere))
	assert.Equal(t, int64(4651), h.balance(cRich))
}

// TestRetailSpendsListedHold: RT5, the listed hold's points are available
// to the retail that lists it, even when nothing else is.
func TestRetailSpendsListedHold(t *testing.T) {
	h := newHarness(t)
	id := h.hold(cBare, 1000, nil)
	body := map[string]any{"client": h.id(cBare), "point": h.point(0), "amount": 100, "spend": 30}
	assert.Equal(t, "Spend can't be more 0", h.refused(api.EpRetail, body, "spend"))
	body["hold"] = []string{id}
	h.ok(api.EpRetail, body)
	assert.Equal(t, int64(970), h.balance(cBare))
	assert.Equal(t, endConsumed, h.endReason(id))
}
