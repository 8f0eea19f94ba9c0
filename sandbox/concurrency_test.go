package sandbox

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

// hammerResult is what the accepted answers of a concurrent run add up to.
type hammerResult struct {
	spent, earned, held int64
	spends, holds       int64
	minAfter            int64 // lowest balance_after in the journal
}

// hammer has workers spend and hold on one client at once, all released
// together so they really overlap. The workers only assert (never
// require), as they are not the test's goroutine.
func hammer(t *testing.T, h *harness, client, workers, rounds int) hammerResult {
	t.Helper()
	id := h.id(client)
	var res hammerResult
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for r := range rounds {
				switch (w + r) % 3 {
				case 0, 1: // spend as much as recalc allows, or a fixed big chunk
					a := h.post(api.EpRetail, map[string]any{"client": id, "point": h.point(w % 3), "amount": 1000, "spend": 700})
					if a.status == 200 {
						atomic.AddInt64(&res.spent, int64(val(a.obj("retail")["spend"])))
						atomic.AddInt64(&res.spends, 1)
					} else {
						assert.Equal(t, 422, a.status, "%s", a.raw)
					}
				case 2:
					a := h.post(api.EpHold, map[string]any{"client": id, "point": h.point(w % 3), "amount": 400})
					if a.status == 200 {
						atomic.AddInt64(&res.held, 400)
						atomic.AddInt64(&res.holds, 1)
					} else {
						assert.Equal(t, 422, a.status, "%s", a.raw)
					}
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	ops, err := h.srv.Operations(context.Background())
	require.NoError(t, err)
	for _, op := range ops {
		res.minAfter = min(res.minAfter, op.BalanceAfter)
		res.earned += op.Earn
	}
	return res
}

// TestConcurrentSpends: L2, concurrent spends and holds on one client
// never overdraw it, and the journal, the stored balance and the accepted
// answers agree exactly (L1).
func TestConcurrentSpends(t *testing.T) {
	h := newHarness(t)
	res := hammer(t, h, cRich, 16, 12)
	row := h.audit(cRich)
	assert.True(t, row.Consistent(), "%+v", row)
	assert.Equal(t, res.spent, row.Spent, "journal spends = accepted spends")
	assert.Equal(t, int64(0), row.Earned)
	assert.Equal(t, 5000-res.spent, row.Balance)
	assert.GreaterOrEqual(t, row.Balance, int64(0))
	assert.GreaterOrEqual(t, res.minAfter, int64(0), "the balance never went below 0")
	assert.LessOrEqual(t, res.spent, int64(5000), "no more spent than there was")
	assert.LessOrEqual(t, row.Held, row.Balance, "holds never exceed the balance")
	assert.Positive(t, res.spends)
	t.Logf("accepted %d spends (%d points) and %d holds; balance %d, held %d", res.spends, res.spent, res.holds, row.Balance, row.Held)
}

// TestRacyDebitOverdraws shows the concurrency test can fail: with the
// racy-debit fault the same workload overdraws the client.
func TestRacyDebitOverdraws(t *testing.T) {
	for attempt := range 5 {
		h := newHarness(t, WithFaults("racy-debit"))
		res := hammer(t, h, cRich, 16, 4)
		row := h.audit(cRich)
		if row.Balance < 0 || res.spent > 5000 || row.Held > row.Balance {
			t.Logf("attempt %d: spent %d of 5000, balance %d, held %d", attempt, res.spent, row.Balance, row.Held)
			return
		}
	}
	t.Fatal("racy-debit never overdrew: the concurrency test could not catch it")
}
