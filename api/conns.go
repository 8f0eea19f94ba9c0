package api

import (
	"context"
	"net"
	"sync"
	"time"
)

// Connection pacing. Over HTTP/1.1 a connection carries one request at a
// time, so the requests on the wire are the connections the transport
// needs: a request that finds every connection busy dials a new one. Left
// alone, a burst of requests (a cold start, a slow spell of the target or
// of this machine) dials hundreds of connections at once; the dials slow
// the target, answers come later, more requests find every connection
// busy, and the run collapses into a dial storm. The gate bounds the
// requests on the wire to a number of slots that grows only while
// requests wait for one, by one slot per growth interval: growth is paced,
// bounded by the client's connection cap, and never shrinks (the
// transport keeps one idle connection per slot). A request waiting for a
// slot is waiting to be sent: its time counts in its latency and its
// timeout, so the wait is the target's doing as much as a queue in front
// of it would be, never hidden.
const (
	// DefaultInitialConns is the gate's slots before any growth: what a
	// preflight's concurrent searches leave open.
	DefaultInitialConns = 16
	// DefaultConnGrowth is the growth interval: at most one new
	// connection per interval while requests wait.
	DefaultConnGrowth = time.Millisecond
)

// WithConnPacing sets the gate's first slots and its growth interval
// (defaults DefaultInitialConns and DefaultConnGrowth). The slots never
// exceed the client's connection cap (WithMaxConns).
func WithConnPacing(initial int, growth time.Duration) Option {
	return func(c *Client) { c.initialConns, c.connGrowth = initial, growth }
}

// dialPacer spaces the transport's dials by the growth interval, beyond a
// first burst of the initial slots. Slots never shrink, but connections
// do close (the target's idle timeout, the transport's, a cut body): a
// later burst of requests finds slots without connections, and without
// this would dial them all at once, the storm the slots exist to prevent.
type dialPacer struct {
	dial   func(ctx context.Context, network, addr string) (net.Conn, error)
	every  time.Duration
	burst  time.Duration // the lead a quiet spell earns: burst x every
	mu     sync.Mutex
	next   time.Time // when the next dial may start
	credit int       // dials that may go at once, lent by AllowInFlight
	now    func() time.Time
}

func newDialPacer(dial func(ctx context.Context, network, addr string) (net.Conn, error), initial int, every time.Duration) *dialPacer {
	return &dialPacer{dial: dial, every: every, burst: time.Duration(initial) * every, now: time.Now}
}

// DialContext waits for the dial's turn (within ctx), then dials.
func (p *dialPacer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if wait := p.reserve(); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	return p.dial(ctx, network, addr)
}

// reserve books the next dial's start and returns how long to wait for it.
func (p *dialPacer) reserve() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.credit > 0 {
		p.credit--
		return 0
	}
	now := p.now()
	at := now.Add(-p.burst)
	if p.next.After(at) {
		at = p.next
	}
	p.next = at.Add(p.every)
	return max(at.Sub(now), 0)
}

// lend lets the next n dials go at once.
func (p *dialPacer) lend(n int) {
	p.mu.Lock()
	p.credit = max(p.credit, n)
	p.mu.Unlock()
}

// gate hands out slots for requests on the wire.
type gate struct {
	mu      sync.Mutex
	slots   int // the slots there are
	max     int // the most there may be
	busy    int // slots held
	every   time.Duration
	grownAt time.Time
	queue   []*waiter // FIFO; gone waiters are skipped
	growing bool      // a grower goroutine is running
	now     func() time.Time
	sleep   func(time.Duration)
}

type waiter struct {
	ready chan struct{} // gets the slot
	gone  bool          // gave up (ctx done); guarded by gate.mu
}

func newGate(initial, limit int, every time.Duration) *gate {
	initial = min(max(initial, 1), limit)
	return &gate{slots: initial, max: limit, every: every, grownAt: time.Now(), now: time.Now, sleep: time.Sleep}
}

// acquire takes a slot, waiting until one is free, grown or ctx is done.
func (g *gate) acquire(ctx context.Context) error {
	g.mu.Lock()
	if g.tryLocked() {
		g.mu.Unlock()
		return nil
	}
	w := &waiter{ready: make(chan struct{}, 1)}
	g.queue = append(g.queue, w)
	if !g.growing && g.slots < g.max {
		g.growing = true
		go g.grow()
	}
	g.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		select {
		case <-w.ready:
			// Handed a slot as the wait ended: pass it on.
			g.releaseLocked()
		default:
			w.gone = true
		}
		return ctx.Err()
	}
}

// tryLocked takes a free slot, or a new one when growth is due and no
// request waits before this one (a grown slot goes to the longest
// waiting request, never to a newcomer).
func (g *gate) tryLocked() bool {
	if g.busy < g.slots || len(g.queue) == 0 && g.growLocked() {
		g.busy++
		return true
	}
	return false
}

// release gives a slot back, to the longest waiting request if any.
func (g *gate) release() {
	g.mu.Lock()
	g.releaseLocked()
	g.mu.Unlock()
}

func (g *gate) releaseLocked() {
	if w := g.nextLocked(); w != nil {
		w.ready <- struct{}{} // the slot passes on: busy is unchanged
		return
	}
	g.busy--
}

// nextLocked pops the first waiter still waiting.
func (g *gate) nextLocked() *waiter {
	for len(g.queue) > 0 {
		w := g.queue[0]
		g.queue[0] = nil
		g.queue = g.queue[1:]
		if !w.gone {
			return w
		}
	}
	return nil
}

// growLocked adds a slot when the cap and the pace allow.
func (g *gate) growLocked() bool {
	if g.slots >= g.max {
		return false
	}
	if now := g.now(); now.Sub(g.grownAt) >= g.every {
		g.slots++
		g.grownAt = now
		return true
	}
	return false
}

// grow adds a slot per interval for as long as requests wait: a wait
// with no new request arriving behind it still ends by growth, not only
// when a slow answer comes.
func (g *gate) grow() {
	for {
		g.sleep(g.every)
		g.mu.Lock()
		if len(g.queue) == 0 || g.slots >= g.max {
			g.growing = false
			g.mu.Unlock()
			return
		}
		// A grown slot goes to the longest-waiting request; if every
		// waiter gave up meanwhile, it stays free.
		if g.growLocked() {
			if w := g.nextLocked(); w != nil {
				g.busy++
				w.ready <- struct{}{}
			}
		}
		g.mu.Unlock()
	}
}

// AllowInFlight lets at least n requests (up to the connection cap) be on
// the wire at once from now on, without waiting for paced growth: for a
// check that sends requests together on purpose, to provoke a race.
func (c *Client) AllowInFlight(n int) {
	c.dials.lend(n)
	g := c.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.slots < min(n, g.max) {
		g.slots++
		if w := g.nextLocked(); w != nil {
			g.busy++
			w.ready <- struct{}{}
		}
	}
}
