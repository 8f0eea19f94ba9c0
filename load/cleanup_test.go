package load

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/sandbox"
	"loyalcheck/scenarios"
)

// holdAndWait holds a point in every session and keeps it (a long think
// before its release), so an interrupt always finds holds in flight and
// holds still active.
const holdAndWait = `
name: hold-and-wait
description: hold a point, wait, release
load: {pacer: constant, rate: 50/1s, duration: 1m}
clients: {pick: uniform, type: cashback}
points: {pick: uniform}
flows:
  - name: hold-wait-release
    weight: 1
    steps:
      - op: search
      - op: recalc
      - op: hold
        hold: fixed
        points: 1
      - op: release
        think: {min: 10s, max: 10s}
`

// slowAfter serves the sandbox, cancelling the run when the nth hold
// reaches it and then answering every request slowly; refuse makes it
// answer 503 to releases once the run is cancelled.
func slowAfter(t *testing.T, nth int64, cancel context.CancelFunc, refuse bool) (*api.Client, *api.Fixtures, *sandbox.Server, func()) {
	t.Helper()
	srv, err := sandbox.New(sandbox.WithDB(sandbox.MemoryDB), sandbox.WithClients(20))
	require.NoError(t, err)
	var holds atomic.Int64
	var fired atomic.Bool
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == api.EpHold.Path() && holds.Add(1) == nth {
			fired.Store(true)
			cancel()
		}
		if fired.Load() {
			if refuse && r.URL.Path == api.EpRelease.Path() {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { ts.Close(); srv.Close() })
	c, err := api.NewClient(ts.URL, api.WithAPIKey(api.SandboxAPIKey))
	require.NoError(t, err)
	return c, srv.Fixtures(), srv, ts.Close
}

// TestDrainTooShortStillReleases interrupts a run with a drain far too
// short for the holds in flight: every hold the run made is released all
// the same.
func TestDrainTooShortStillReleases(t *testing.T) {
	sc, err := scenarios.Parse([]byte(holdAndWait), "hold-and-wait.yaml")
	require.NoError(t, err)
	for _, nth := range []int64{1, 5, 20} {
		ctx, cancel := context.WithCancel(context.Background())
		c, fx, srv, quiesce := slowAfter(t, nth, cancel, false)
		sum, err := Run(ctx, c, fx, sc, WithDrain(time.Nanosecond))
		cancel()
		require.NoError(t, err)
		quiesce()
		assert.True(t, sum.Interrupted)
		if nth > 1 {
			assert.Positive(t, sum.Ledger.Holds, "holds made before the interrupt")
		}
		assert.Empty(t, srv.ActiveHolds(), "interrupt at hold %d left holds active", nth)
		assert.Empty(t, sum.Ledger.Unreleased)
	}
}

// TestUnreleasedHoldsListed: a target refusing releases after the
// interrupt keeps its holds; the ledger lists exactly those.
func TestUnreleasedHoldsListed(t *testing.T) {
	sc, err := scenarios.Parse([]byte(holdAndWait), "hold-and-wait.yaml")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, fx, srv, quiesce := slowAfter(t, 5, cancel, true)
	sum, err := Run(ctx, c, fx, sc, WithDrain(time.Nanosecond))
	require.NoError(t, err)
	quiesce()
	var active []string
	for _, h := range srv.ActiveHolds() {
		active = append(active, h.ID)
	}
	require.NotEmpty(t, active)
	assert.ElementsMatch(t, active, sum.Ledger.Unreleased)
	assert.Contains(t, sum.Ledger.UnreleasedNote(), active[0])
}
