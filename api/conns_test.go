package api

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// connCounter is a loopback server whose handler holds every request
// until released, and that counts the connections it was dialled and
// the requests it holds at once.
type connCounter struct {
	srv     *httptest.Server
	release chan struct{}
	opened  sync.Once
	dialled atomic.Int64
	held    atomic.Int64
	peak    atomic.Int64
}

func newConnCounter(t *testing.T) *connCounter {
	t.Helper()
	cc := &connCounter{release: make(chan struct{})}
	cc.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cc.held.Add(1)
		for p := cc.peak.Load(); n > p && !cc.peak.CompareAndSwap(p, n); p = cc.peak.Load() {
		}
		<-cc.release
		cc.held.Add(-1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"success":true}`))
	}))
	cc.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			cc.dialled.Add(1)
		}
	}
	cc.srv.Start()
	t.Cleanup(func() {
		cc.open()
		cc.srv.Close()
	})
	return cc
}

// open lets every held request and every later one through.
func (cc *connCounter) open() { cc.opened.Do(func() { close(cc.release) }) }

// waitHeld waits until n requests are held (or the test's deadline).
func (cc *connCounter) waitHeld(t *testing.T, n int64) {
	t.Helper()
	require.Eventually(t, func() bool { return cc.held.Load() >= n }, 30*time.Second, time.Millisecond)
}

// slotsOf reads the client's slots: the most connections it has needed at
// once so far.
func slotsOf(c *Client) int {
	c.gate.mu.Lock()
	defer c.gate.mu.Unlock()
	return c.gate.slots
}

// burst sends n requests at once and returns their errors once all end.
func burst(c *Client, n int) <-chan error {
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := c.Do(context.Background(), EpSearch, []byte(`{}`))
			errs <- err
		}()
	}
	return errs
}

// TestGateBoundsConnections: a burst of requests against a target that
// holds them opens no more connections than the gate's slots, however
// many requests wait; once the target answers, every request is served
// over those same connections.
func TestGateBoundsConnections(t *testing.T) {
	cc := newConnCounter(t)
	c, err := NewClient(cc.srv.URL, WithConnPacing(4, time.Hour), WithTimeout(time.Minute))
	require.NoError(t, err)
	errs := burst(c, 40)
	cc.waitHeld(t, 4)
	// Were the gate leaking, 36 more dials would now be under way.
	assert.Never(t, func() bool { return cc.held.Load() > 4 || cc.dialled.Load() > 4 }, 50*time.Millisecond, time.Millisecond)
	cc.open()
	for range 40 {
		require.NoError(t, <-errs)
	}
	assert.Equal(t, int64(4), cc.dialled.Load(), "connections dialled")
	assert.Equal(t, int64(4), cc.peak.Load(), "requests held at once")
	assert.Equal(t, 4, slotsOf(c))
}

// TestGateGrowsPaced: while requests wait, the gate grows one slot per
// growth interval, not one per waiting request; the bound is taken from
// the time the test measured itself, so a slow machine cannot break it.
func TestGateGrowsPaced(t *testing.T) {
	const every = 20 * time.Millisecond
	cc := newConnCounter(t)
	c, err := NewClient(cc.srv.URL, WithConnPacing(2, every), WithMaxConns(30), WithTimeout(time.Minute))
	require.NoError(t, err)
	start := time.Now()
	errs := burst(c, 60)
	cc.waitHeld(t, 8)
	dialled, elapsed := cc.dialled.Load(), time.Since(start)
	assert.LessOrEqual(t, dialled, int64(2+elapsed/every+1), "dialled %d in %v", dialled, elapsed)
	// It keeps growing with no new request arriving, up to the cap.
	cc.waitHeld(t, 30)
	assert.Never(t, func() bool { return cc.held.Load() > 30 }, 3*every, time.Millisecond)
	cc.open()
	for range 60 {
		require.NoError(t, <-errs)
	}
	assert.Equal(t, 30, slotsOf(c))
	assert.Equal(t, int64(30), cc.dialled.Load())
}

// TestGateWaitCountsInTimeout: a request that waits for a connection past
// its timeout ends as a timeout, and gives back nothing it did not take:
// the slots still serve what comes later.
func TestGateWaitCountsInTimeout(t *testing.T) {
	cc := newConnCounter(t)
	c, err := NewClient(cc.srv.URL, WithConnPacing(1, time.Hour), WithMaxConns(1), WithTimeout(time.Minute))
	require.NoError(t, err)
	first := burst(c, 1)
	cc.waitHeld(t, 1)
	ex, err := c.Do(context.Background(), EpSearch, []byte(`{}`), WithCallTimeout(20*time.Millisecond))
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	assert.GreaterOrEqual(t, ex.Latency, 20*time.Millisecond, "the wait is the request's time")
	cc.open()
	require.NoError(t, <-first)
	for range 3 {
		_, err := c.Do(context.Background(), EpSearch, []byte(`{}`))
		require.NoError(t, err)
	}
	assert.Equal(t, int64(1), cc.dialled.Load())
}

// TestGateHandsSlotsInOrder: a freed slot goes to the request that has
// waited longest, and a waiter that gave up is passed over.
func TestGateHandsSlotsInOrder(t *testing.T) {
	g := newGate(1, 1, time.Hour)
	require.NoError(t, g.acquire(context.Background()))
	gaveUp, cancel := context.WithCancel(context.Background())
	order := make(chan int, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		ctx := context.Background()
		if i == 1 {
			ctx = gaveUp
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if g.acquire(ctx) == nil {
				order <- i
				g.release()
			}
		}()
		require.Eventually(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.queue) == i+1 }, 10*time.Second, time.Millisecond)
	}
	cancel()
	require.Eventually(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return g.queue[1].gone }, 10*time.Second, time.Millisecond)
	g.release()
	wg.Wait()
	close(order)
	var got []int
	for i := range order {
		got = append(got, i)
	}
	assert.Equal(t, []int{0, 2}, got)
	assert.Equal(t, 0, g.busy)
}

// TestGateGrowthPace: growth on arrival follows the injected clock, one
// slot per interval, never past the cap.
func TestGateGrowthPace(t *testing.T) {
	now := time.Unix(0, 0)
	g := newGate(1, 3, time.Second)
	g.now, g.grownAt = func() time.Time { return now }, now
	g.sleep = func(time.Duration) { select {} } // no background growth here
	take := func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.tryLocked()
	}
	assert.True(t, take(), "the first slot")
	assert.False(t, take(), "no growth within the interval")
	now = now.Add(time.Second)
	assert.True(t, take(), "one interval later")
	assert.False(t, take(), "not again within the interval")
	now = now.Add(time.Second)
	assert.True(t, take(), "another interval later")
	now = now.Add(time.Hour)
	assert.False(t, take(), "at the cap")
	assert.Equal(t, 3, g.slots)
}

// TestAllowInFlightLetsABurstGoAtOnce: a check that sends requests
// together on purpose (contract's L2 burst) gets them on the wire together,
// beyond the paced slots.
func TestAllowInFlightLetsABurstGoAtOnce(t *testing.T) {
	cc := newConnCounter(t)
	c, err := NewClient(cc.srv.URL, WithConnPacing(4, time.Hour), WithTimeout(time.Minute))
	require.NoError(t, err)
	c.AllowInFlight(20)
	errs := burst(c, 20)
	cc.waitHeld(t, 20)
	cc.open()
	for range 20 {
		require.NoError(t, <-errs)
	}
	assert.Equal(t, int64(20), cc.peak.Load())
}

// TestGateGrowthGoesToTheLongestWaiting: while a request waits, a newcomer
// does not take the slot growth makes; the waiting one does.
func TestGateGrowthGoesToTheLongestWaiting(t *testing.T) {
	now := time.Unix(0, 0)
	g := newGate(1, 3, time.Second)
	g.now, g.grownAt = func() time.Time { return now }, now
	g.sleep = func(time.Duration) { select {} } // growth on arrival only
	require.NoError(t, g.acquire(context.Background()))
	first := make(chan struct{})
	go func() {
		if g.acquire(context.Background()) == nil {
			close(first)
		}
	}()
	require.Eventually(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.queue) == 1 }, 10*time.Second, time.Millisecond)
	g.mu.Lock()
	now = now.Add(time.Second) // growth is due
	newcomer := g.tryLocked()
	g.mu.Unlock()
	assert.False(t, newcomer, "the newcomer took the grown slot from the request waiting before it")
	g.release()
	<-first
}

// TestDialPacerSpacesDials: the first dials (the initial slots) go at
// once, later ones one growth interval apart, and a quiet spell earns the
// burst back, no more.
func TestDialPacerSpacesDials(t *testing.T) {
	now := time.Unix(1000, 0)
	p := newDialPacer(nil, 3, time.Millisecond)
	p.now = func() time.Time { return now }
	var waits []time.Duration
	for range 6 {
		waits = append(waits, p.reserve())
	}
	assert.Equal(t, []time.Duration{0, 0, 0, 0, time.Millisecond, 2 * time.Millisecond}, waits)
	now = now.Add(time.Hour)
	waits = waits[:0]
	for range 5 {
		waits = append(waits, p.reserve())
	}
	assert.Equal(t, []time.Duration{0, 0, 0, 0, time.Millisecond}, waits)
}
