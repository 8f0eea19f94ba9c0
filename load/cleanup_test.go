package load

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"loyalcheck/api"
	"loyalcheck/internal/holdback"
	"loyalcheck/internal/slowdown"
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
	refusePath := ""
	if refuse {
		refusePath = api.EpRelease.Path()
	}
	ts := httptest.NewServer(slowdown.After(api.EpHold.Path(), nth, cancel, 100*time.Millisecond, refusePath)(srv))
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

// heldBack serves the sandbox with the nth hold made at once but its
// answer held back: the run is cancelled, then the answer goes out once
// answer is closed (or never, when answer is nil: until the client hangs
// up).
func heldBack(t *testing.T, nth int64, cancel context.CancelFunc, answer <-chan struct{}) (*httptest.Server, *sandbox.Server) {
	t.Helper()
	srv, err := sandbox.New(sandbox.WithDB(sandbox.MemoryDB), sandbox.WithClients(20))
	require.NoError(t, err)
	ts := httptest.NewServer(holdback.Nth(api.EpHold.Path(), nth, cancel, answer)(srv))
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return ts, srv
}

// TestLateHoldAnswerReleased: the target makes a hold but answers only
// after the session has given up waiting (a timeout is what the run
// measures). The answer still carries the hold's id, and the hold is
// released before the run returns.
func TestLateHoldAnswerReleased(t *testing.T) {
	sc, err := scenarios.Parse([]byte(holdAndWait), "hold-and-wait.yaml")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gaveUp := make(chan struct{})
	var once sync.Once
	ts, srv := heldBack(t, 3, cancel, gaveUp)
	// The client's timeout is what a session waits for an answer; a
	// search of the setup must fit in it on a busy machine.
	c, err := api.NewClient(ts.URL, api.WithAPIKey(api.SandboxAPIKey), api.WithTimeout(2*time.Second))
	require.NoError(t, err)
	// The held-back hold is the only one to fail: the session recorded
	// that it gave up, and only then does the answer go out.
	sink := func(r *vegeta.Result) error {
		if r.Attack == string(api.EpHold) && r.Error != "" {
			once.Do(func() { close(gaveUp) })
		}
		return nil
	}
	sum, err := Run(ctx, c, srv.Fixtures(), sc, WithDrain(time.Nanosecond), WithResults(sink))
	require.NoError(t, err)
	ts.Close()
	select {
	case <-gaveUp:
	default:
		t.Fatal("no hold was given up on: the late answer was not exercised")
	}
	assert.Empty(t, srv.ActiveHolds(), "a hold answered after its session gave up was left active")
	assert.Empty(t, sum.Ledger.Unreleased)
	assert.Empty(t, sum.Ledger.Unanswered)
}

// TestUnansweredHoldListed: a hold the target made but never answered
// cannot be released (its id is unknown); the report lists it.
func TestUnansweredHoldListed(t *testing.T) {
	sc, err := scenarios.Parse([]byte(holdAndWait), "hold-and-wait.yaml")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ts, srv := heldBack(t, 3, cancel, nil)
	c, err := api.NewClient(ts.URL, api.WithAPIKey(api.SandboxAPIKey), api.WithTimeout(2*time.Second))
	require.NoError(t, err)
	sum, err := Run(ctx, c, srv.Fixtures(), sc, WithDrain(time.Nanosecond), withHoldAnswerBound(3*time.Second))
	require.NoError(t, err)
	ts.Close()
	active := srv.ActiveHolds()
	require.Len(t, active, 1, "the hold never answered")
	assert.Empty(t, sum.Ledger.Unreleased)
	require.Len(t, sum.Ledger.Unanswered, 1)
	assert.Contains(t, sum.Ledger.Unanswered[0], active[0].Client)
	assert.Contains(t, sum.Ledger.UnreleasedNote(), active[0].Client)
}
