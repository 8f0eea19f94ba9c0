package api

import (
	"context"
	"sync"
	"time"
)

// A hold the target made is only ever released if its answer is read: the
// id is in it. A caller may stop waiting for a hold's answer (its timeout
// is what it measures or judges), but the request runs on (Await), every
// hold request is counted in Flights until its answer is booked, and a
// clean-up sweeps the holds only once Flights is idle; a hold answered
// after the sweep is released by whoever read the answer. So every hold a
// run made is booked before the sweep, released after it, or (no answer
// at all) known to be unanswered.

// Flights counts the hold requests whose answer is not booked yet. The
// zero value is ready to use.
type Flights struct {
	mu    sync.Mutex
	n     int
	idle  chan struct{} // closed when n drops to 0
	swept bool
}

// Begin counts a request about to be sent.
func (f *Flights) Begin() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		f.idle = make(chan struct{})
	}
	f.n++
}

// End says a request's answer is booked (or given up for lost).
func (f *Flights) End() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 {
		close(f.idle)
	}
}

// Sweep waits until every counted request has ended (or ctx ends), then
// marks the books swept: from then on Book refuses, and a hold answered
// later is its reader's to release.
func (f *Flights) Sweep(ctx context.Context) {
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

// Book runs book unless the books were swept, and reports whether it ran;
// a sweep waits for a book in progress.
func (f *Flights) Book(book func()) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.swept {
		return false
	}
	book()
	return true
}

// Await runs send on its own goroutine and waits for its result at most
// d. ok is false when d passed first: gaveUp then runs, and late gets the
// result once send returns, always after gaveUp.
func Await[T any](d time.Duration, send func() T, gaveUp func(), late func(T)) (v T, ok bool) {
	got := make(chan T, 1)
	var mu sync.Mutex
	given := false
	go func() {
		v := send()
		mu.Lock()
		if !given {
			got <- v
			mu.Unlock()
			return
		}
		mu.Unlock()
		late(v)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case v := <-got:
		return v, true
	case <-t.C:
	}
	mu.Lock()
	defer mu.Unlock()
	select {
	case v := <-got: // sent as the timer fired
		return v, true
	default:
	}
	given = true
	gaveUp()
	return v, false
}
