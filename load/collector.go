package load

import (
	"sort"
	"sync/atomic"
	"time"

	"loyalcheck/api"
)

// collector is the one goroutine that aggregates records, feeds the
// result sinks and reports progress; nothing it owns needs a lock.
type collector struct {
	e         *engine
	cfg       *config
	askedRate float64
	duration  time.Duration
	began     atomic.Int64 // unix ns, set when the schedule starts

	// Written by the scheduler, read for progress.
	started atomic.Uint64
	dropped atomic.Uint64

	steps map[string]*stepAgg
	// total aggregates every step's results together: the figures vegeta
	// computes from results.bin.
	total      *stepAgg
	session    *stepAgg
	violations map[[2]string]*ViolationCount
	timeline   *timeline
	validated  uint64
	completed  uint64
	failed     uint64
	aborted    uint64
	requests   uint64
	errors     uint64
	nviol      uint64
	sinkErr    error

	holdsAccepted, holdsRefused   uint64
	spendsAccepted, spendsRefused uint64
}

func newCollector(e *engine, cfg *config, askedRate float64, duration time.Duration) *collector {
	return &collector{
		e:          e,
		cfg:        cfg,
		askedRate:  askedRate,
		duration:   duration,
		steps:      map[string]*stepAgg{},
		total:      newStepAgg(totalName),
		session:    newStepAgg(sessionAttack),
		violations: map[[2]string]*ViolationCount{},
		timeline:   newTimeline(timelineHorizon(e)),
	}
}

// timelineHorizon is how long after a second of the run its results may
// still come in: a session runs its steps, each bounded by the client's
// timeout, with think times between them.
func timelineHorizon(e *engine) time.Duration {
	d := 2 * time.Minute
	if e.client != nil {
		d = max(d, 6*e.client.Timeout())
	}
	return d
}

func (c *collector) run() {
	var tick <-chan time.Time
	if c.cfg.progress != nil && c.cfg.progressInt > 0 {
		t := time.NewTicker(c.cfg.progressInt)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case r, ok := <-c.e.records:
			if !ok {
				if c.cfg.progress != nil {
					c.cfg.progress(c.progress())
				}
				return
			}
			c.add(r)
		case <-tick:
			c.cfg.progress(c.progress())
		}
	}
}

func (c *collector) warm(r *record) bool {
	if c.cfg.warmup <= 0 {
		return false
	}
	return r.res.Timestamp.Before(time.Unix(0, c.began.Load()).Add(c.cfg.warmup))
}

func (c *collector) add(r *record) {
	sinks := c.cfg.sinks
	if r.res.Attack == sessionAttack {
		sinks = c.cfg.sessSinks
	}
	for _, sink := range sinks {
		if err := sink(&r.res); err != nil && c.sinkErr == nil {
			c.sinkErr = err
		}
	}
	if c.warm(r) {
		return
	}
	sec := int(r.res.Timestamp.Sub(time.Unix(0, c.began.Load())) / time.Second)
	c.timeline.add(sec, r)

	obs := c.cfg.watcher()
	if r.res.Attack == sessionAttack {
		c.session.add(r)
		c.completed++
		o := sessionOutcome(r)
		switch o {
		case OutcomeAborted:
			c.aborted++
		case OutcomeFailed:
			c.failed++
		}
		obs.Session(o, r.res.Latency)
		return
	}
	a, ok := c.steps[r.res.Attack]
	if !ok {
		a = newStepAgg(r.res.Attack)
		c.steps[r.res.Attack] = a
	}
	a.add(r)
	c.total.add(r)
	c.requests++
	obs.Request(r.res.Attack, Outcome(r.outcome), r.res.Latency)
	if r.outcome == outcomeUnexpected {
		c.errors++
	}
	if r.validated {
		c.validated++
	}
	for _, v := range r.violations {
		k := [2]string{r.res.Attack, v.Rule}
		vc, ok := c.violations[k]
		if !ok {
			vc = &ViolationCount{Step: r.res.Attack, Rule: v.Rule, Example: v.Detail}
			c.violations[k] = vc
		}
		vc.Count++
		c.nviol++
		obs.Violation(r.res.Attack, v.Rule)
	}
	switch {
	case r.res.Attack == string(api.EpHold) && r.outcome == outcomeOK:
		c.holdsAccepted++
	case r.res.Attack == string(api.EpHold) && r.outcome == outcomeRefused:
		c.holdsRefused++
	case r.spend && r.outcome == outcomeOK:
		c.spendsAccepted++
	case r.spend && r.outcome == outcomeRefused:
		c.spendsRefused++
	}
}

func (c *collector) progress() Progress {
	elapsed := time.Since(time.Unix(0, c.began.Load()))
	p := Progress{
		Elapsed:    elapsed,
		Duration:   c.duration,
		AskedRate:  c.askedRate,
		Started:    c.started.Load(),
		Dropped:    c.dropped.Load(),
		InFlight:   c.e.inFlight.Load(),
		Requests:   c.requests,
		Errors:     c.errors,
		Violations: c.nviol,
		SessionP99: c.session.hist.quantile(0.99),
	}
	if s := min(elapsed, c.duration).Seconds(); s > 0 {
		p.AchievedRate = float64(p.Started) / s
	}
	return p
}

// stepOrder is the documented call order (G1), used to sort steps.
func stepOrder(name string) int {
	for i, e := range api.Endpoints() {
		if string(e) == name {
			return i
		}
	}
	return len(api.Endpoints())
}

// fill writes the aggregates into the summary.
func (c *collector) fill(s *Summary) {
	for _, a := range c.steps {
		m := a.metrics()
		m.Histogram = a.hist.encode()
		s.Steps = append(s.Steps, m)
	}
	sort.Slice(s.Steps, func(i, j int) bool { return stepOrder(s.Steps[i].Name) < stepOrder(s.Steps[j].Name) })
	total := c.total.metrics()
	s.Total = &total
	s.Session = c.session.metrics()
	s.Session.Histogram = c.session.hist.encode()
	s.Sessions.Completed = c.completed
	s.Sessions.Failed = c.failed
	s.Sessions.Aborted = c.aborted
	s.Validation.Validated = c.validated
	s.Violations = []ViolationCount{}
	for _, v := range c.violations {
		s.Violations = append(s.Violations, *v)
	}
	sort.Slice(s.Violations, func(i, j int) bool {
		if s.Violations[i].Step != s.Violations[j].Step {
			return stepOrder(s.Violations[i].Step) < stepOrder(s.Violations[j].Step)
		}
		return s.Violations[i].Rule < s.Violations[j].Rule
	})
	secs := make([]int, 0, len(c.timeline.buckets))
	for k := range c.timeline.buckets {
		secs = append(secs, k)
	}
	sort.Ints(secs)
	s.Timeline = make([]Bucket, 0, len(secs))
	for _, k := range secs {
		s.Timeline = append(s.Timeline, c.timeline.buckets[k].bucket(k))
	}
	elapsed := time.Since(time.Unix(0, c.began.Load()))
	if d := min(elapsed, c.duration).Seconds(); d > 0 {
		s.AchievedRate = float64(s.Sessions.Started) / d
	}
	var reqs uint64
	for _, m := range s.Steps {
		reqs += m.Requests
	}
	// Requests of the warm-up are not counted, so neither is its time.
	if d := (elapsed - min(c.cfg.warmup, elapsed)).Seconds(); d > 0 {
		s.RequestRate = float64(reqs) / d
	}
	if c.e.pool.hot != nil {
		ct := &Contention{
			HotClients:     len(c.e.pool.hot),
			HoldsAccepted:  c.holdsAccepted,
			HoldsRefused:   c.holdsRefused,
			SpendsAccepted: c.spendsAccepted,
			SpendsRefused:  c.spendsRefused,
		}
		for _, m := range s.Steps {
			a := c.steps[m.Name]
			ct.Hot = append(ct.Hot, StepLatency{Step: m.Name, Latency: a.hot.summary(), Histogram: a.hot.encode()})
			ct.Cold = append(ct.Cold, StepLatency{Step: m.Name, Latency: a.cold.summary(), Histogram: a.cold.encode()})
		}
		s.Contention = ct
	}
}
