package contract

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/internal/holdback"
	"loyalcheck/sandbox"
)

// wrappedSandbox serves a fresh sandbox behind wrap on a loopback port and
// returns it with a client for it, and a function that waits until every
// request the server received has been served (so that a hold the client
// gave up on is in the store before the test looks). opts go to the
// client after its defaults.
func wrappedSandbox(t *testing.T, wrap func(http.Handler) http.Handler, opts ...api.Option) (*sandbox.Server, *api.Client, func()) {
	t.Helper()
	srv, err := sandbox.New(sandbox.WithAPIKey(testKey), sandbox.WithClients(20))
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	hs := httptest.NewServer(wrap(srv))
	t.Cleanup(hs.Close)
	c, err := api.NewClient(hs.URL, append([]api.Option{api.WithAPIKey(testKey), api.WithMaxConns(64)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return srv, c, hs.Close
}

// interruptAt cancels the run when the nth request to ep reaches the
// server, then serves that request (and every later one) slowly: the
// answer comes after the interrupt, as on a busy production target.
func interruptAt(ep api.Endpoint, nth int64, cancel context.CancelFunc, delay time.Duration) func(http.Handler) http.Handler {
	var seen atomic.Int64
	var fired atomic.Bool
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == ep.Path() && seen.Add(1) == nth {
				fired.Store(true)
				cancel()
			}
			if fired.Load() {
				time.Sleep(delay)
			}
			h.ServeHTTP(w, r)
		})
	}
}

// TestInterruptLeavesNoHold interrupts the suite at several moments, each
// defined by what the server has seen, and proves that no hold the run
// made is left active, that the run says it was interrupted, and that the
// interrupted check is a skip, not a failure of the (correct) target.
func TestInterruptLeavesNoHold(t *testing.T) {
	for _, tc := range []struct {
		name string
		ep   api.Endpoint
		nth  int64
	}{
		{"first hold", api.EpHold, 1},
		{"third hold", api.EpHold, 3},
		{"10th hold", api.EpHold, 10},
		{"25th hold", api.EpHold, 25},
		{"first release", api.EpRelease, 1},
		{"5th release", api.EpRelease, 5},
		{"first retail", api.EpRetail, 1},
		{"8th retail", api.EpRetail, 8},
		{"30th search", api.EpSearch, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			srv, c, quiesce := wrappedSandbox(t, interruptAt(tc.ep, tc.nth, cancel, 100*time.Millisecond))
			res, err := Run(ctx, c, srv.Fixtures(), WithValidator(sharedValidator), WithAPIKey(testKey))
			require.ErrorIs(t, err, context.Canceled)
			quiesce()
			require.NotNil(t, res)
			assert.Empty(t, srv.ActiveHolds(), "holds the run made are left active")
			assert.True(t, res.Interrupted)
			assert.Empty(t, res.Unreleased)
			assert.Zero(t, res.Summary.Fail, "an interrupt is no failure of the target:\n%s", describe(res))
			var skipped []Finding
			for _, f := range res.Findings {
				if f.SkippedFor(InterruptedReason) {
					skipped = append(skipped, f)
				}
			}
			require.Len(t, skipped, 1, "the check running at the interrupt is skipped:\n%s", describe(res))
			assert.Equal(t, Skip, skipped[0].Status)
			assert.True(t, skipped[0].Unverified(), "an interrupted check verified nothing")
		})
	}
}

// TestUnreleasedHoldsAreListed: a target that stops answering releases
// after the interrupt keeps the holds; the run lists exactly those ids.
func TestUnreleasedHoldsAreListed(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	holds := int64(0)
	srv, c, quiesce := wrappedSandbox(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			if r.URL.Path == api.EpHold.Path() {
				holds++
				if holds == 4 {
					cancel()
				}
			}
			refuse := ctx.Err() != nil && r.URL.Path == api.EpRelease.Path()
			mu.Unlock()
			if refuse {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	res, err := Run(ctx, c, srv.Fixtures(), WithValidator(sharedValidator), WithAPIKey(testKey))
	require.ErrorIs(t, err, context.Canceled)
	quiesce()
	var active []string
	for _, h := range srv.ActiveHolds() {
		active = append(active, h.ID)
	}
	require.NotEmpty(t, active, "the test needs a hold left active")
	assert.ElementsMatch(t, active, res.Unreleased)
	notes := res.Record().Notes
	require.NotEmpty(t, notes)
	assert.Contains(t, notes[len(notes)-1], active[0])
}

// heldBack serves a fresh sandbox whose 3rd hold is made at once but
// answered late: the run is cancelled, then the answer goes out once
// answer is closed (never when answer is nil: the client hangs up). The
// client waits timeout for an answer.
func heldBack(t *testing.T, cancel context.CancelFunc, answer <-chan struct{}, timeout time.Duration) (*sandbox.Server, *api.Client, func()) {
	t.Helper()
	return wrappedSandbox(t, holdback.Nth(api.EpHold.Path(), 3, cancel, answer), api.WithMaxConns(api.DefaultMaxConns), api.WithTimeout(timeout))
}

// TestLateHoldAnswerReleased: the target makes a hold but answers only
// once the interrupted check has been given up on (a timeout). The answer
// still carries the hold's id, and the clean-up releases the hold.
func TestLateHoldAnswerReleased(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gaveUp := make(chan struct{})
	var once sync.Once
	// The client's timeout is how long a check waits for an answer; a
	// search must fit in it on a busy machine.
	srv, c, quiesce := heldBack(t, cancel, gaveUp, 2*time.Second)
	progress := func(f Finding) {
		if f.SkippedFor(InterruptedReason) {
			once.Do(func() { close(gaveUp) })
		}
	}
	res, err := Run(ctx, c, srv.Fixtures(), WithValidator(sharedValidator), WithAPIKey(testKey), WithProgress(progress))
	require.ErrorIs(t, err, context.Canceled)
	quiesce()
	select {
	case <-gaveUp:
	default:
		t.Fatal("no check was skipped as interrupted: the late answer was not exercised")
	}
	assert.Empty(t, srv.ActiveHolds(), "a hold answered after its check gave up was left active")
	assert.Empty(t, res.Unreleased)
	assert.Empty(t, res.Unanswered)
}

// TestUnansweredHoldListed: a hold the target made but never answered
// cannot be released (its id is unknown); the run lists it. (The hold
// request runs the client's timeout plus CleanupTimeout: ~11 s.)
func TestUnansweredHoldListed(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, c, quiesce := heldBack(t, cancel, nil, time.Second)
	res, err := Run(ctx, c, srv.Fixtures(), WithValidator(sharedValidator), WithAPIKey(testKey))
	require.ErrorIs(t, err, context.Canceled)
	quiesce()
	require.Len(t, srv.ActiveHolds(), 1, "the hold never answered")
	assert.Empty(t, res.Unreleased)
	require.Len(t, res.Unanswered, 1)
	notes := res.Record().Notes
	require.NotEmpty(t, notes)
	assert.Contains(t, notes[len(notes)-1], "no answer")
}
