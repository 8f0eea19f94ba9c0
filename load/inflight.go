package load

import (
	"context"
	"time"

	"loyalcheck/api"
)

// holdAnswerBound is how long a hold request may run before its answer is
// given up for lost (api.Await: its session stops waiting at the client's
// timeout). It is less than auditBound, so the audit, which waits for
// every hold in flight before it sweeps (api.Flights), outwaits them all.
const holdAnswerBound = time.Minute

// auditBound bounds the whole audit: waiting for the hold requests still
// running, the releases and the final searches.
const auditBound = 2 * time.Minute

// awaitHold sends a hold and waits for its answer at most the client's
// timeout. handed is false when the session gave up waiting: the request
// runs on, and lateHold books its answer. Either way the flight begun
// here ends once the answer is booked (by the caller when handed).
func (e *engine) awaitHold(ctx context.Context, a *account, op *opRec, req api.HoldRequest) (resp *api.HoldResponse, ex *api.Exchange, err error, handed bool) {
	type answer struct {
		resp *api.HoldResponse
		ex   *api.Exchange
		err  error
	}
	e.ledger.flights.Begin()
	ans, handed := api.Await(e.client.Timeout(),
		func() answer {
			r, ex, err := e.client.Hold(ctx, req, api.WithCallTimeout(max(e.cfg.holdBound, e.client.Timeout())))
			return answer{r, ex, err}
		},
		func() { a.unknown(op, nil) },
		func(ans answer) { e.ledger.lateHold(ctx, a, op, ans.resp, ans.err) })
	if !handed {
		return nil, nil, &api.TransportError{Endpoint: api.EpHold, Err: context.DeadlineExceeded}, false
	}
	return ans.resp, ans.ex, ans.err, true
}

// lateHold books the answer to a hold its session gave up on. A hold
// answered after the audit's sweep is released at once, since nothing
// else will.
func (l *ledger) lateHold(ctx context.Context, a *account, op *opRec, r *api.HoldResponse, err error) {
	defer l.flights.End()
	_, refused := api.AsStatus(err)
	if !refused && ((err != nil && !api.Mistyped(err)) || r.Held.ID == "") {
		return // no answer after all: the audit lists it as unanswered
	}
	// After the sweep the audit reads the books unlocked: nothing may
	// change them then.
	booked := l.flights.Book(func() {
		if refused {
			a.refused(op) // an answer other than 200 holds nothing
			return
		}
		a.held(op, r.Held.Amount, r.Held.ID, time.Unix(int64(r.Held.Until), 0))
	})
	if !booked && !refused {
		// ctx is the hold's, already cut from the interrupt; the client's
		// timeout bounds the release.
		l.client.Release(ctx, api.ReleaseRequest{ID: r.Held.ID}) //nolint:errcheck // best effort: the report is out, and lists the hold as unanswered
	}
}
