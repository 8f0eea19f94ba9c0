// Package load replays scenario sessions against a target at a set arrival
// rate. vegeta has no request chaining, so its pieces are used as a session
// engine: a vegeta Pacer schedules session starts (an open model), each
// session runs its steps in order, and every step and every session becomes
// a vegeta Result that vegeta's Metrics, encoders and plots understand.
package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"loyalcheck/api"
	"loyalcheck/preflight"
	"loyalcheck/scenarios"
	"loyalcheck/schemas"
)

// sessionAttack is the vegeta Attack name of whole-session results.
const sessionAttack = "session"

// ErrUnreachable is returned when the target answers none of the setup
// searches, or stops answering them: it is down, or refuses the apikey.
// It is the preflight's, since the setup searches through it.
var ErrUnreachable = preflight.ErrUnreachable

// Run replays sc against the target and returns what it measured,
// ledger audit included. A cancelled ctx (Ctrl-C) stops new sessions, lets
// those in flight finish within the drain bound, still audits the ledger
// and returns the summary with Interrupted set. An error is returned only
// when the run could not start.
func Run(ctx context.Context, c *api.Client, fx *api.Fixtures, sc *scenarios.Scenario, opts ...Option) (*Summary, error) {
	r, err := NewRunner(ctx, c, fx, sc, opts...)
	if err != nil {
		return nil, err
	}
	sum, err := r.Run(ctx)
	if err != nil {
		return nil, err
	}
	sum.Ledger = r.Audit(ctx)
	sum.end()
	return sum, nil
}

// Runner runs a scenario against one target several times on one ledger:
// the setup searches happen once, each Run is a measured stretch of load,
// and Audit checks the ledger over all of them (a capacity search runs a
// step per rate and audits once at the end).
type Runner struct {
	client *api.Client
	sc     *scenarios.Scenario
	cfg    config
	points []string
	ledger *ledger
	pool   *clientPool
	// sessions started by earlier runs: each session's random stream is
	// distinct across runs.
	sessions uint64
}

// NewRunner searches every fixture client the scenario may touch (or
// takes what WithPreflight hands it) and prepares runs; opts apply to
// every run.
func NewRunner(ctx context.Context, c *api.Client, fx *api.Fixtures, sc *scenarios.Scenario, opts ...Option) (*Runner, error) {
	cfg := config{validate: 1, drain: 10 * time.Second, tolerance: 60 * time.Second, seed: 1, holdBound: holdAnswerBound}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.validator == nil {
		v, err := schemas.New()
		if err != nil {
			return nil, err
		}
		cfg.validator = v
	}
	points := fx.Points
	if n := sc.Points.Count; n > 0 && n < len(points) {
		points = points[:n]
	}
	led, err := openLedger(ctx, c, fx, points[0], sc.Clients, cfg.searched)
	if err != nil {
		return nil, err
	}
	pool, err := newClientPool(led.accounts, sc.Clients)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	return &Runner{client: c, sc: sc, cfg: cfg, points: points, ledger: led, pool: pool}, nil
}

// Audit releases outstanding holds and checks the ledger (SPEC L1-L3) over
// every run so far. It runs even when ctx is cancelled, bounded on its own.
func (r *Runner) Audit(ctx context.Context) LedgerReport {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditBound)
	defer cancel()
	return r.ledger.audit(actx)
}

// Run runs one stretch of load; opts override the runner's for this run
// (rate, duration, pacer, warm-up, sinks, progress). The summary's Ledger
// is left empty: call Audit.
func (r *Runner) Run(ctx context.Context, opts ...Option) (*Summary, error) {
	cfg := r.cfg
	cfg.sinks = append([]func(*vegeta.Result) error{}, cfg.sinks...)
	cfg.sessSinks = append([]func(*vegeta.Result) error{}, cfg.sessSinks...)
	for _, o := range opts {
		o(&cfg)
	}
	sc := r.sc
	duration := cfg.duration
	if duration <= 0 {
		duration = time.Duration(sc.Load.Duration)
	}
	pacer := cfg.pacer
	if pacer == nil {
		p, err := Pacer(sc.Load, cfg.rate, duration)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
		}
		pacer = p
	}
	maxInFlight := cfg.maxInFlight
	if maxInFlight <= 0 {
		maxInFlight = sc.Load.MaxInFlight
	}
	if maxInFlight <= 0 {
		maxInFlight = 1000
	}
	e := r.newEngine(&cfg, duration)
	sum := &Summary{
		Scenario:   sc.Name,
		Pacer:      fmt.Sprint(pacer),
		Seed:       cfg.seed,
		Duration:   duration,
		AskedRate:  float64(cfg.shard.starts(expectedStarts(pacer, duration))) / duration.Seconds(),
		Validation: ValidationSettings{Fraction: cfg.validate},
		Sessions:   Sessions{MaxInFlight: maxInFlight},
		Ledger:     LedgerReport{Clients: len(r.ledger.accounts), Skipped: "not audited yet", Findings: []LedgerFinding{}},
	}
	col := newCollector(e, &cfg, sum.AskedRate, duration)
	colDone := make(chan struct{})
	go func() { col.run(); close(colDone) }()

	// Sessions run on their own context: an interrupt stops the schedule
	// at once but gives sessions in flight the drain bound to finish.
	runCtx, cancelRun := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRun()
	stopDrain := context.AfterFunc(ctx, func() {
		t := time.NewTimer(cfg.drain)
		defer t.Stop()
		select {
		case <-t.C:
			cancelRun()
		case <-runCtx.Done():
		}
	})
	defer stopDrain()

	sum.Started = time.Now()
	if !cfg.startAt.IsZero() {
		sum.Started = cfg.startAt
	}
	e.began = sum.Started
	col.began.Store(e.began.UnixNano())
	obs := cfg.watcher()
	pool := newSessionPool(func(w *worker, j sessionJob) {
		defer obs.SessionDone()
		defer e.inFlight.Add(-1)
		e.runSession(runCtx, w, j)
	})
	sched := schedule{pacer: pacer}
	var n uint64
	timer := time.NewTimer(0)
	<-timer.C
loop:
	for {
		due, ok := sched.next()
		if !ok || due > duration {
			break
		}
		// The whole run's start number: a shard starts its own share.
		global := sched.n - 1
		if !cfg.shard.mine(global) {
			continue
		}
		idx := r.sessions + n
		if cfg.shard.count > 1 {
			idx = r.sessions + global
		}
		if wait := time.Until(e.began.Add(due)); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				break loop
			}
		} else if ctx.Err() != nil {
			break
		}
		sum.Sessions.Scheduled++
		// A shard is asked its share of the whole run's rate.
		obs.Rate(pacer.Rate(due) / float64(max(cfg.shard.count, 1)))
		if e.inFlight.Load() >= int64(maxInFlight) {
			sum.Sessions.Dropped++
			col.dropped.Add(1)
			obs.Scheduled(false)
			continue
		}
		flight := e.inFlight.Add(1)
		if flight > sum.Sessions.PeakFlight {
			sum.Sessions.PeakFlight = flight
		}
		sum.Sessions.Started++
		col.started.Add(1)
		obs.Scheduled(true)
		// Session results are numbered here, in schedule order, so their
		// sequence follows their (scheduled) timestamps.
		seq, _ := e.seqs.take(sessionAttack)
		pool.start(sessionJob{idx: idx, seq: seq, scheduled: e.began.Add(due)})
		n++
	}
	obs.Rate(0)
	if cfg.shard.count > 1 {
		n = sched.n
	}
	sum.Interrupted = ctx.Err() != nil
	pool.wait()
	close(e.records)
	<-colDone

	col.fill(sum)
	r.sessions += n
	sum.end()
	return sum, nil
}

// newEngine prepares the sessions of one run.
func (r *Runner) newEngine(cfg *config, duration time.Duration) *engine {
	return &engine{
		client:   r.client,
		sc:       r.sc,
		cfg:      cfg,
		points:   r.points,
		pool:     r.pool,
		ledger:   r.ledger,
		records:  make(chan *record, 4096),
		seqs:     newSequencer(),
		sampler:  sampler{fraction: cfg.validate},
		duration: duration,
	}
}

// mine reports whether the run's global start number g is this shard's
// (every start is when the run is not sharded).
func (s shard) mine(g uint64) bool {
	return s.count <= 1 || g%uint64(s.count) == uint64(s.index)
}

// starts is this shard's share of a whole run's total starts.
func (s shard) starts(total uint64) uint64 {
	if s.count <= 1 {
		return total
	}
	if total <= uint64(s.index) {
		return 0
	}
	return (total - uint64(s.index) + uint64(s.count) - 1) / uint64(s.count)
}

type engine struct {
	client   *api.Client
	sc       *scenarios.Scenario
	cfg      *config
	points   []string
	pool     *clientPool
	ledger   *ledger
	records  chan *record
	seqs     *sequencer
	sampler  sampler
	duration time.Duration
	began    time.Time
	inFlight atomic.Int64
}

// emit hands a record to the collector.
func (e *engine) emit(r *record) { e.records <- r }

// rng returns the session's own random source: sessions are repeatable
// from the seed whatever order they run in. It reseeds the worker's
// source, which the session has to itself while it runs.
func (e *engine) rng(w *worker, idx uint64) *rand.Rand {
	w.pcg.Seed(e.cfg.seed, idx)
	return w.rng
}

// sequencer hands out gap-free sequence numbers per attack (each
// endpoint, and sessions) together with the start timestamp, under one lock, so that
// sequence order is also timestamp order (vegeta's plot relies on both).
type sequencer struct {
	mu   sync.Mutex
	next map[string]uint64
}

func newSequencer() *sequencer { return &sequencer{next: map[string]uint64{}} }

func (s *sequencer) take(attack string) (uint64, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.next[attack]
	s.next[attack] = n + 1
	return n, time.Now()
}

// sampler decides which responses are schema-validated: exactly
// fraction of them, spread evenly.
type sampler struct {
	fraction float64
	n        atomic.Uint64
}

func (s *sampler) take() bool {
	switch {
	case s.fraction >= 1:
		return true
	case s.fraction <= 0:
		return false
	}
	i := s.n.Add(1)
	return uint64(float64(i)*s.fraction) > uint64(float64(i-1)*s.fraction)
}
