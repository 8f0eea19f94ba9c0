package preflight

import (
	"context"
	"fmt"
	"sync"

	"loyalcheck/api"
)

// gate stops a batch of requests at the first sign that going on is
// pointless, so a hanging target costs one request timeout per worker,
// not one per fixture.
type gate struct {
	max    int
	cancel context.CancelFunc

	mu      sync.Mutex
	silent  int // requests in a row without an answer
	refused int // answers in a row refusing the key, before any accepted
	ok      bool
	fatal   error
	last    error
}

// transport counts a request that got no answer.
func (g *gate) transport(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.silent++
	g.last = err
	if g.silent >= g.max && g.fatal == nil {
		g.fatal = fmt.Errorf("%w: %d requests in a row got no answer (last: %v)", ErrUnreachable, g.silent, err)
		g.cancel()
	}
}

// answer counts an answer; refused says it refused the apikey.
func (g *gate) answer(refused bool, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.silent = 0
	if !refused {
		g.ok, g.refused = true, 0
		return
	}
	g.refused++
	g.last = err
	if !g.ok && g.refused >= g.max && g.fatal == nil {
		g.fatal = fmt.Errorf("%w: the target refuses the apikey (%v)", ErrUnreachable, err)
		g.cancel()
	}
}

// stop ends the batch with err (the first such error wins).
func (g *gate) stop(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fatal == nil {
		g.fatal = err
		g.cancel()
	}
}

// observe counts the outcome of one request of the batch (classify judges
// an answer) and stops the batch on an answer that is no API's. ok is
// false when the request got no answer or stopped the batch; else
// unknown is the request field the answer says is unknown, if any.
func (g *gate) observe(ctx context.Context, ex *api.Exchange, err error) (unknown string, ok bool) {
	if api.IsTransport(err) {
		if ctx.Err() == nil {
			g.transport(err)
		}
		return "", false
	}
	unknown, refused, fatal := classify(ex, err)
	g.answer(refused, err)
	if fatal != nil {
		g.stop(fatal)
		return "", false
	}
	return unknown, true
}

// result is the batch's error once every worker is done: the fatal one,
// else ErrUnreachable when no request was accepted, else the budget or
// the parent context running out.
func (g *gate) result(bctx, parent context.Context, done, n int, what string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.fatal != nil:
		return g.fatal
	case parent.Err() != nil:
		return parent.Err()
	case bctx.Err() != nil:
		return fmt.Errorf("%w: the target answered %d of %d %s within the preflight's time budget", ErrUnreachable, done, n, what)
	case !g.ok && g.last != nil && n > 0:
		return fmt.Errorf("%w: %v", ErrUnreachable, g.last)
	}
	return nil
}

// each calls f(ctx, i) for i in [0, n) on at most conc goroutines, none
// started once ctx is done. It returns how many calls were made.
func each(ctx context.Context, n, conc int, f func(ctx context.Context, i int)) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	next, done := 0, 0
	for w := 0; w < min(conc, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				if i >= n || ctx.Err() != nil {
					mu.Unlock()
					return
				}
				next++
				mu.Unlock()
				f(ctx, i)
				mu.Lock()
				done++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return done
}

// search is Search within bctx, the preflight's budget over parent.
func search(bctx, parent context.Context, c *api.Client, fixtures []api.FixtureClient, point string, cfg config) ([]Client, error) {
	ctx, cancel := context.WithCancel(bctx)
	defer cancel()
	g := &gate{max: cfg.maxTransport, cancel: cancel}
	// Every fixture is listed, searched or not (the batch may stop early).
	out := make([]Client, len(fixtures))
	for i, fc := range fixtures {
		out[i].Fixture, out[i].Key = fc, fc.SearchKey()
	}
	done := each(ctx, len(fixtures), cfg.concurrency, func(ctx context.Context, i int) {
		cl := &out[i]
		r, ex, err := c.Search(ctx, api.SearchRequest{Search: cl.Key, Point: point})
		cl.Err = err
		unknown, ok := g.observe(ctx, ex, err)
		if !ok {
			return
		}
		switch {
		case unknown == "point":
			g.stop(&ConfigError{UnknownPoints: []string{point}, Clients: len(fixtures), Points: 1})
		case unknown == "client":
			cl.Unknown = true
		case err == nil || api.Mistyped(err):
			// A mistyped field leaves the others decoded, which is all
			// a setup needs; the run's own validation reports the field.
			cl.Found = r
		}
	})
	return out, g.result(bctx, parent, done, len(fixtures), "fixture client searches")
}

// checkPoints recalcs for client at each point and returns the points the
// target says it does not know.
func checkPoints(bctx, parent context.Context, c *api.Client, points []string, client string, cfg config) ([]string, error) {
	ctx, cancel := context.WithCancel(bctx)
	defer cancel()
	g := &gate{max: cfg.maxTransport, cancel: cancel}
	unknown := make([]bool, len(points))
	done := each(ctx, len(points), cfg.concurrency, func(ctx context.Context, i int) {
		_, ex, err := c.Recalc(ctx, api.RecalcRequest{Client: client, Point: points[i], Amount: recalcAmount})
		if what, ok := g.observe(ctx, ex, err); ok && what == "point" {
			unknown[i] = true
		}
	})
	if err := g.result(bctx, parent, done, len(points), "point checks"); err != nil {
		return nil, err
	}
	var out []string
	for i, u := range unknown {
		if u {
			out = append(out, points[i])
		}
	}
	return out, nil
}
