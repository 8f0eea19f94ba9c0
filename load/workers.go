package load

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// sessionJob is one scheduled session start.
type sessionJob struct {
	idx, seq  uint64
	scheduled time.Time
}

// worker runs sessions one after another, and lends each its random
// source.
type worker struct {
	jobs  chan sessionJob
	pcg   rand.PCG
	rng   *rand.Rand
	timer *time.Timer // for think times; stopped when not in use
}

func newWorker() *worker {
	w := &worker{jobs: make(chan sessionJob, 1)}
	w.rng = rand.New(&w.pcg)
	return w
}

// pause waits d or until ctx is done, on the worker's one timer.
func (w *worker) pause(ctx context.Context, d time.Duration) {
	if w.timer == nil {
		w.timer = time.NewTimer(d)
	} else {
		w.timer.Reset(d)
	}
	select {
	case <-w.timer.C:
	case <-ctx.Done():
		// Since Go 1.23 a stopped timer's channel holds no stale value,
		// so the next Reset starts clean.
		w.timer.Stop()
	}
}

// sessionPool runs sessions on long-lived workers, grown one at a time
// when every worker is busy (as vegeta grows its attack workers); a
// worker is added only for a session the engine lets start within the
// in-flight cap, so the workers are about that cap at most (a session
// that ends as another starts may leave one more, idle). A goroutine per session would start each one
// on a fresh 8 KB stack that every session grows again through the JSON
// decoder and the HTTP client: at thousands of sessions a second that
// stack copying alone was a tenth of the run's CPU. A worker keeps its
// grown stack, and the idle worker that gets the next session is the one
// idle the shortest time (last in, first out): the garbage collector
// shrinks the stacks of workers left idle long, so a few hot workers keep
// theirs grown while the cold ones give their memory back. The pool never
// delays a start: a job goes to an idle worker or to a new one at once,
// so the open model holds.
type sessionPool struct {
	run     func(*worker, sessionJob)
	mu      sync.Mutex
	idle    []*worker // a stack: the last to finish is the first to go
	workers int
	closed  bool
	wg      sync.WaitGroup
}

func newSessionPool(run func(*worker, sessionJob)) *sessionPool {
	return &sessionPool{run: run}
}

// start hands j to the worker idle the shortest time, or to a new one.
func (p *sessionPool) start(j sessionJob) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.jobs <- j
		return
	}
	p.workers++
	p.mu.Unlock()
	w := newWorker()
	p.wg.Add(1)
	go p.work(w, j)
}

func (p *sessionPool) work(w *worker, j sessionJob) {
	defer p.wg.Done()
	for {
		p.run(w, j)
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return
		}
		p.idle = append(p.idle, w)
		p.mu.Unlock()
		var ok bool
		if j, ok = <-w.jobs; !ok {
			return
		}
	}
}

// wait lets the workers finish the sessions they run, then stops them.
func (p *sessionPool) wait() {
	p.mu.Lock()
	p.closed = true
	for _, w := range p.idle {
		close(w.jobs)
	}
	p.idle = nil
	p.mu.Unlock()
	p.wg.Wait()
}
