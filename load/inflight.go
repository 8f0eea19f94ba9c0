package load

import (
	"context"
	"sync"
	"time"

	"loyalcheck/api"
)

// A hold the target made is only ever released if its answer is read: the
// id is in it. A session waits for a hold's answer as long as the client's
// timeout (what the run measures), but the request itself runs on for up
// to holdAnswerBound; the audit waits for every such request to end
// before it sweeps the holds, and a hold answered after the sweep is
// released by the request that learnt of it. So every hold the run made
// is booked before the sweep, released after it, or (no answer at all)
// listed as unanswered.

// holdAnswerBound is how long a hold request may run before its answer is
// given up for lost. It is less than the audit's own bound, so the audit
// outwaits every hold request of the run.
const holdAnswerBound = time.Minute

// auditBound bounds the whole audit: waiting for the hold requests still
// running, the releases and the final searches.
const auditBound = 2 * time.Minute

// holdFlights counts the hold requests whose answer is not booked yet.
type holdFlights struct {
	mu    sync.Mutex
	n     int
	idle  chan struct{} // closed when n drops to 0
	swept bool          // the audit has taken its list of holds to release
}

func (f *holdFlights) begin() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		f.idle = make(chan struct{})
	}
	f.n++
}

func (f *holdFlights) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 {
		close(f.idle)
	}
}

// sweep waits until every hold request has been booked (or ctx ends) and
// marks the ledger swept: a hold booked from now on is its own request's
// to release.
func (f *holdFlights) sweep(ctx context.Context) {
	f.mu.Lock()
	n, idle := f.n, f.idle
	f.mu.Unlock()
	if n > 0 {
		select {
		case <-idle:
		case <-ctx.Done():
		}
	}
	f.mu.Lock()
	f.swept = true
	f.mu.Unlock()
}

// awaitHold sends a hold and waits for its answer at most the client's
// timeout. handed is false when the session gave up waiting: the request
// runs on, and its answer is booked by lateHold. Either way the flight
// begun here ends once the answer is booked (by the caller when handed).
func (e *engine) awaitHold(ctx context.Context, a *account, op *opRec, req api.HoldRequest) (resp *api.HoldResponse, ex *api.Exchange, err error, handed bool) {
	type answer struct {
		resp *api.HoldResponse
		ex   *api.Exchange
		err  error
	}
	got := make(chan answer, 1)
	var mu sync.Mutex
	gaveUp := false
	e.ledger.flights.begin()
	go func() {
		r, ex, err := e.client.Hold(ctx, req, api.WithCallTimeout(max(e.cfg.holdBound, e.client.Timeout())))
		mu.Lock()
		late := gaveUp
		if !late {
			got <- answer{r, ex, err}
		}
		mu.Unlock()
		if late {
			e.ledger.lateHold(ctx, a, op, r, err)
		}
	}()
	t := time.NewTimer(e.client.Timeout())
	defer t.Stop()
	select {
	case ans := <-got:
		return ans.resp, ans.ex, ans.err, true
	case <-t.C:
	}
	mu.Lock()
	defer mu.Unlock()
	select {
	case ans := <-got: // answered as the timer fired
		return ans.resp, ans.ex, ans.err, true
	default:
	}
	gaveUp = true
	a.unknown(op, nil) // before lateHold may book it: the lock orders them
	return nil, nil, &api.TransportError{Endpoint: api.EpHold, Err: context.DeadlineExceeded}, false
}

// lateHold books the answer to a hold its session gave up on. A hold
// answered after the audit's sweep is released at once, bounded on its
// own, since nothing else will.
func (l *ledger) lateHold(ctx context.Context, a *account, op *opRec, r *api.HoldResponse, err error) {
	defer l.flights.end()
	_, refused := api.AsStatus(err)
	if !refused && ((err != nil && !mistyped(err)) || r.Held.ID == "") {
		return // no answer after all: the audit lists it as unanswered
	}
	// After the sweep the audit reads the books unlocked: nothing may
	// change them then.
	l.flights.mu.Lock()
	swept := l.flights.swept
	switch {
	case swept:
	case refused:
		a.refused(op) // an answer other than 200 holds nothing
	default:
		a.held(op, r.Held.Amount, r.Held.ID, time.Unix(int64(r.Held.Until), 0))
	}
	l.flights.mu.Unlock()
	if swept && !refused {
		// ctx is the hold's, already cut from the interrupt; the client's
		// timeout bounds the release.
		l.client.Release(ctx, api.ReleaseRequest{ID: r.Held.ID}) //nolint:errcheck // best effort: the report is out, and lists the hold as unanswered
	}
}
