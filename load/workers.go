package load

import (
	"math/rand/v2"
	"sync"
	"time"
)

// sessionJob is one scheduled session start.
type sessionJob struct {
	idx, seq  uint64
	scheduled time.Time
}

// worker is what a worker lends the session it runs.
type worker struct {
	pcg rand.PCG
	rng *rand.Rand
}

func newWorker() *worker {
	w := &worker{}
	w.rng = rand.New(&w.pcg)
	return w
}

// sessionPool runs sessions on long-lived workers, grown one at a time
// when every worker is busy (as vegeta grows its attack workers), never
// beyond the in-flight cap. A goroutine per session would start each one
// on a fresh 8 KB stack that every session grows again through the JSON
// decoder and the HTTP client: at thousands of sessions a second that
// stack copying alone was a tenth of the run's CPU. A worker keeps its
// grown stack. The pool never delays a start: a job goes to an idle
// worker or to a new one at once, so the open model holds.
type sessionPool struct {
	run     func(*worker, sessionJob)
	jobs    chan sessionJob
	max     int
	workers int
	wg      sync.WaitGroup
}

func newSessionPool(max int, run func(*worker, sessionJob)) *sessionPool {
	return &sessionPool{run: run, jobs: make(chan sessionJob), max: max}
}

// start hands j to an idle worker, or to a new one. The caller keeps the
// sessions in flight below max, so a new worker is always allowed when
// every worker is busy; past max (which that rules out) the job waits.
func (p *sessionPool) start(j sessionJob) {
	select {
	case p.jobs <- j:
		return
	default:
	}
	if p.workers < p.max {
		p.workers++
		p.wg.Add(1)
		go p.work(j)
		return
	}
	p.jobs <- j
}

func (p *sessionPool) work(j sessionJob) {
	defer p.wg.Done()
	w := newWorker()
	p.run(w, j)
	for j := range p.jobs {
		p.run(w, j)
	}
}

// wait lets the workers finish the sessions they run, then stops them.
func (p *sessionPool) wait() {
	close(p.jobs)
	p.wg.Wait()
}
