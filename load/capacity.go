package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"loyalcheck/scenarios"
)

// A capacity search answers one question: up to what session start rate
// does the target keep its SLOs? It runs one stretch of load (a step) per
// rate on a single Runner (one ledger): short probe steps grow the rate
// geometrically until one fails, then full steps bisect between the
// highest passing and the lowest failing rate until they are within a
// tolerance or the time budget runs out; the rate reported as passing is
// always one a full step passed. A step measuring too few samples to judge
// a percentile (a p99 from 40 sessions is their maximum) neither passes
// nor fails. The ledger is audited once at the end; a finding there voids
// the figure.

// Why a capacity search stopped.
const (
	StopConverged  = "converged"       // passing and failing rates within the tolerance
	StopBudget     = "budget"          // the next step would not fit in the time budget
	StopBroken     = "broken-target"   // before any rate passed, most requests failed or the contract broke
	StopMaxReached = "max-reached"     // the maximum rate passed: capacity is at least that
	StopNoPass     = "no-rate-passed"  // stepping down to 1/s found no passing rate
	StopTooFew     = "too-few-samples" // lower rates measure too few samples to judge a percentile
	StopCancelled  = "interrupted"     // the context was cancelled (Ctrl-C)
)

// Capacity search defaults (CapacityOptions' zero values).
const (
	DefaultCapacityStart     = 10.0  // sessions/s
	DefaultCapacityMax       = 10000 // sessions/s
	DefaultCapacityGrowth    = 2.0
	DefaultCapacityTolerance = 0.05
	DefaultCapacityStep      = 20 * time.Second
	DefaultCapacityBudget    = 3 * time.Minute

	// CapacityImplicitErrors is the share of unexpected outcomes a step
	// may have when no threshold bounds errors (or success) over all
	// requests: a load that makes the target fail 1 request in 1000 is
	// past its capacity even if latency holds.
	CapacityImplicitErrors = 0.001
	// CapacityMinAchieved is the share of the asked session rate a step
	// must really start.
	CapacityMinAchieved = 0.95
	// capacityBrokenErrors: a step failing this share of requests before
	// any rate passed means the target is broken, not busy.
	capacityBrokenErrors = 0.5
)

// CapacityOptions shapes a capacity search; zero fields take the defaults
// above. Rates are session starts per second.
type CapacityOptions struct {
	Start     float64 `json:"start_rate"`
	Max       float64 `json:"max_rate"`
	Growth    float64 `json:"growth"`
	Tolerance float64 `json:"tolerance"`
	// StepDuration is how long each step of the bisection starts
	// sessions; Warmup is the part at its start whose sessions are left
	// out of the step's figures (default a fifth of the step; negative:
	// none).
	StepDuration time.Duration `json:"step_duration_ns"`
	Warmup       time.Duration `json:"warmup_ns"`
	// ProbeDuration is the length of the steps that grow the rate up to
	// the first failure: default a quarter of StepDuration but at least
	// 5 s (or StepDuration if shorter). Their warm-up is the same share
	// of them as a full step's.
	ProbeDuration time.Duration `json:"probe_duration_ns"`
	// Budget bounds the steps of the search: a step that would end past
	// it is not started. The final ledger audit comes on top.
	Budget time.Duration `json:"budget_ns"`
	// RunOptions apply to every step's Run (progress, result sinks).
	RunOptions []Option `json:"-"`
	// OnStep is called after each step is judged.
	OnStep func(CapacityStep) `json:"-"`

	now func() time.Time // tests
}

// CapacityStep is one rate tried: what was asked, what was measured after
// the warm-up, and whether it passed.
type CapacityStep struct {
	N int `json:"n"`
	// Phase is grow (probe steps), bisect, confirm (a full step at a rate
	// a probe passed) or descend (below a failing start rate).
	Phase string `json:"phase"`
	// Asked and Achieved are session starts per second; RequestRate is
	// requests per second measured after the warm-up.
	Asked       float64 `json:"asked_rate"`
	Achieved    float64 `json:"achieved_rate"`
	RequestRate float64 `json:"request_rate"`
	// Sessions and Requests measured (warm-up excluded).
	Sessions      uint64  `json:"sessions"`
	Requests      uint64  `json:"requests"`
	Errors        uint64  `json:"errors"`
	ErrorFraction float64 `json:"error_fraction"`
	// TopErrors are the commonest unexpected outcomes, at most three.
	TopErrors  []ErrorCount      `json:"top_errors,omitempty"`
	Violations []ViolationCount  `json:"violations"`
	Dropped    uint64            `json:"dropped"`
	Session    Latency           `json:"session"`
	Endpoints  []StepLatency     `json:"endpoints"`
	Thresholds []ThresholdResult `json:"thresholds"`
	// Pass: every condition held, on enough samples.
	Pass bool `json:"pass"`
	// Inconclusive steps broke nothing but measured too few samples to
	// judge a percentile threshold (a p99 needs 100, a p99.9 1000): they
	// neither pass nor fail.
	Inconclusive bool `json:"inconclusive,omitempty"`
	// Reasons say why a step failed (or was inconclusive), one per
	// condition.
	Reasons     []string      `json:"reasons,omitempty"`
	Interrupted bool          `json:"interrupted,omitempty"`
	Started     time.Time     `json:"started"`
	Duration    time.Duration `json:"duration_ns"`
	Warmup      time.Duration `json:"warmup_ns"`
	// Elapsed is the step's wall time, the drain of its last sessions
	// included.
	Elapsed time.Duration `json:"elapsed_ns"`
}

// ViolationTotal counts the contract violations of the step.
func (s CapacityStep) ViolationTotal() uint64 {
	var n uint64
	for _, v := range s.Violations {
		n += v.Count
	}
	return n
}

// CapacityResult is the outcome of a capacity search; it is the capacity
// section of a run record.
type CapacityResult struct {
	Scenario   string          `json:"scenario"`
	Thresholds []Threshold     `json:"thresholds"`
	Settings   CapacityOptions `json:"settings"`
	// ImplicitErrors is the error share a step may have when no threshold
	// bounds errors over all requests; 0 when the thresholds do.
	ImplicitErrors float64 `json:"implicit_errors,omitempty"`
	// Found is true when some rate passed and the ledger audit is clean
	// (Note says when the rate passed a probe only, the budget having run
	// out before a full step). A ledger finding voids the figure.
	Found bool `json:"found"`
	// MaxPassing is the highest passing session rate (sessions/s) and
	// MaxPassingRequests the request rate measured at it.
	MaxPassing         float64 `json:"max_passing_rate"`
	MaxPassingRequests float64 `json:"max_passing_request_rate"`
	// FirstFailing is the lowest failing rate (0 when none failed; the
	// passing rate is below it) and BrokenBy what failed there.
	FirstFailing         float64  `json:"first_failing_rate"`
	FirstFailingRequests float64  `json:"first_failing_request_rate"`
	BrokenBy             []string `json:"broken_by"`
	// Stopped is one of the Stop constants; Note says it in a sentence.
	Stopped string         `json:"stopped"`
	Note    string         `json:"note"`
	Steps   []CapacityStep `json:"steps"`
	Started time.Time      `json:"started"`
	// Elapsed is the whole search, ledger audit included.
	Elapsed time.Duration `json:"elapsed_ns"`
	Ledger  LedgerReport  `json:"ledger"`
}

// Failed reports whether the search found the target breaking a rule: a
// failing ledger finding, an unaudited ledger, or a contract violation
// at any rate. A capacity figure may still be reported beside it.
func (c *CapacityResult) Failed() bool {
	if c.Ledger.Failed() {
		return true
	}
	for _, s := range c.Steps {
		if len(s.Violations) > 0 {
			return true
		}
	}
	return false
}

// SearchCapacity runs steps of load at different rates on r and returns
// the highest rate at which every threshold holds, no error beyond the
// allowed share appears, at least 95% of the asked rate is achieved, no
// session is dropped and no contract rule is broken. It audits the ledger
// at the end (also after an interrupt). An error is returned only when the
// search could not start or a step could not run.
func SearchCapacity(ctx context.Context, r *Runner, thresholds []Threshold, o CapacityOptions) (*CapacityResult, error) {
	if err := o.resolve(); err != nil {
		return nil, err
	}
	if err := checkThresholdSteps(r.sc, thresholds); err != nil {
		return nil, err
	}
	res := &CapacityResult{
		Scenario:   r.sc.Name,
		Thresholds: append([]Threshold{}, thresholds...),
		Settings:   o,
		BrokenBy:   []string{},
		Steps:      []CapacityStep{},
		Started:    o.now(),
	}
	if !boundsErrors(thresholds) {
		res.ImplicitErrors = CapacityImplicitErrors
	}
	run := func(ctx context.Context, rate float64, d, warmup time.Duration) (*Summary, error) {
		opts := append([]Option{}, o.RunOptions...)
		opts = append(opts, WithPacer(pacerFor(rate)), WithDuration(d), WithWarmup(warmup))
		return r.Run(ctx, opts...)
	}
	if err := search(ctx, res, &o, run); err != nil {
		r.Audit(ctx) // releases what earlier steps still hold
		return nil, err
	}
	res.Ledger = r.Audit(ctx)
	finish(res)
	res.Elapsed = o.now().Sub(res.Started)
	return res, nil
}

func (o *CapacityOptions) resolve() error {
	if o.now == nil {
		o.now = time.Now
	}
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Start, DefaultCapacityStart)
	def(&o.Max, DefaultCapacityMax)
	def(&o.Growth, DefaultCapacityGrowth)
	def(&o.Tolerance, DefaultCapacityTolerance)
	if o.StepDuration == 0 {
		o.StepDuration = DefaultCapacityStep
	}
	if o.Budget == 0 {
		o.Budget = DefaultCapacityBudget
	}
	switch {
	case o.Warmup == 0:
		o.Warmup = o.StepDuration / 5
	case o.Warmup < 0:
		o.Warmup = 0
	}
	if o.ProbeDuration == 0 {
		o.ProbeDuration = max(o.StepDuration/4, min(o.StepDuration, 5*time.Second))
	}
	var errs []error
	if o.Start < 0.01 {
		errs = append(errs, fmt.Errorf("start rate %g/s: must be at least 0.01/s", o.Start))
	}
	if o.Max < o.Start {
		errs = append(errs, fmt.Errorf("max rate %g/s is below the start rate %g/s", o.Max, o.Start))
	}
	if o.Growth <= 1 {
		errs = append(errs, fmt.Errorf("growth %g: must be above 1", o.Growth))
	}
	if o.Tolerance <= 0 || o.Tolerance >= 1 {
		errs = append(errs, fmt.Errorf("tolerance %g: must be between 0 and 1 (e.g. 0.05 for 5%%)", o.Tolerance))
	}
	if o.StepDuration < 0 || o.Budget < 0 {
		errs = append(errs, errors.New("step duration and budget must be positive"))
	}
	if o.ProbeDuration < 0 || o.ProbeDuration > o.StepDuration {
		errs = append(errs, fmt.Errorf("probe duration %s: must be positive and at most the step duration %s", o.ProbeDuration, o.StepDuration))
	}
	if o.Warmup >= o.StepDuration {
		errs = append(errs, fmt.Errorf("warm-up %s leaves nothing of a %s step to measure", o.Warmup, o.StepDuration))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	o.Start, o.Max = roundRate(o.Start), roundRate(o.Max)
	return nil
}

// CheckCapacity reports what SearchCapacity would refuse in its options
// and thresholds, before any target is opened.
func CheckCapacity(sc *scenarios.Scenario, thresholds []Threshold, o CapacityOptions) error {
	if err := o.resolve(); err != nil {
		return err
	}
	return checkThresholdSteps(sc, thresholds)
}

// checkThresholdSteps refuses a threshold on a step no flow of the scenario
// has: it would fail every rate.
func checkThresholdSteps(sc *scenarios.Scenario, ts []Threshold) error {
	ops := map[string]bool{sessionAttack: true, "": true}
	for _, f := range sc.Flows {
		for _, st := range f.Steps {
			ops[st.Op] = true
		}
	}
	for _, t := range ts {
		if !ops[t.Step] {
			return fmt.Errorf("slo %q: scenario %s has no %s step", t.Expr, sc.Name, t.Step)
		}
	}
	return nil
}

// boundsErrors reports whether some threshold bounds errors over all
// requests.
func boundsErrors(ts []Threshold) bool {
	for _, t := range ts {
		if (t.Metric == "errors" || t.Metric == "success") && t.Step == "" {
			return true
		}
	}
	return false
}

// roundRate rounds a rate to what the pacer expresses: whole sessions per
// second from 100/s, tenths from 10/s, hundredths below.
func roundRate(r float64) float64 {
	switch {
	case r >= 100:
		return math.Round(r)
	case r >= 10:
		return math.Round(r*10) / 10
	}
	return math.Max(math.Round(r*100)/100, 0.01)
}

// pacerFor is the constant pacer of a rounded rate.
func pacerFor(r float64) vegeta.Pacer {
	r = roundRate(r)
	switch {
	case r >= 100:
		return vegeta.Rate{Freq: int(r), Per: time.Second}
	case r >= 10:
		return vegeta.Rate{Freq: int(math.Round(r * 10)), Per: 10 * time.Second}
	}
	return vegeta.Rate{Freq: int(math.Round(r * 100)), Per: 100 * time.Second}
}

// bounds returns the lowest failing step and the highest passing step
// below it (nil when there is none); interrupted and inconclusive steps do
// not count.
func bounds(steps []CapacityStep) (lo, hi *CapacityStep) {
	for i := range steps {
		s := &steps[i]
		if !s.Interrupted && !s.Inconclusive && !s.Pass && (hi == nil || s.Asked < hi.Asked) {
			hi = s
		}
	}
	for i := range steps {
		s := &steps[i]
		if s.Interrupted || !s.Pass || (hi != nil && s.Asked >= hi.Asked) {
			continue
		}
		// At equal rates a full-length pass is the better evidence.
		if lo == nil || s.Asked > lo.Asked || (s.Asked == lo.Asked && s.Duration > lo.Duration) {
			lo = s
		}
	}
	return lo, hi
}

// search runs the steps and fills res's steps and Stopped; run runs one
// step at a rate for a duration with a warm-up.
//
// Growing uses probe steps, a quarter of a step: far from the knee a short
// step tells pass from fail, and it keeps a search from 10/s to thousands
// within a few minutes. Once a probe fails, the highest rate a probe
// passed is confirmed by a full step before any bisection above it (a
// short step can pass an overload whose queue has not grown yet); if the
// confirmation fails, the next lower one is confirmed. Bisecting uses full
// steps. Below a failing start the rate descends in full steps, until one
// passes or is too short to judge.
func search(ctx context.Context, res *CapacityResult, o *CapacityOptions, run func(ctx context.Context, rate float64, d, warmup time.Duration) (*Summary, error)) error {
	var overhead time.Duration
	floor := math.Min(1, o.Start)
	rate, phase, d := roundRate(o.Start), "grow", o.ProbeDuration
	top := 0.0 // the highest rate grown to
	for {
		if ctx.Err() != nil {
			res.Stopped = StopCancelled
			return nil
		}
		if o.now().Sub(res.Started)+d+overhead > o.Budget {
			res.Stopped = StopBudget
			return nil
		}
		for _, st := range res.Steps {
			if st.Asked == rate && st.Duration == d && !st.Interrupted {
				// Only an inconclusive step leads back to itself.
				res.Stopped = StopTooFew
				return nil
			}
		}
		warm := time.Duration(float64(o.Warmup) * float64(d) / float64(o.StepDuration))
		began := o.now()
		sum, err := run(ctx, rate, d, warm)
		if err != nil {
			return fmt.Errorf("step at %s/s: %w", FormatRate(rate), err)
		}
		st := judgeStep(sum, res.Thresholds, res.ImplicitErrors)
		st.N, st.Phase, st.Asked, st.Duration, st.Warmup = len(res.Steps)+1, phase, rate, d, warm
		st.Started, st.Elapsed = began, o.now().Sub(began)
		overhead = max(overhead, st.Elapsed-d)
		res.Steps = append(res.Steps, st)
		if o.OnStep != nil {
			o.OnStep(st)
		}
		if st.Interrupted {
			res.Stopped = StopCancelled
			return nil
		}
		if phase == "grow" {
			top = rate
		}
		lo, hi := bounds(res.Steps)
		// Before any rate passed, most requests failing or a broken
		// contract say the target is broken, not busy: lower rates would
		// only say it again.
		if lo == nil && (st.ErrorFraction >= capacityBrokenErrors || len(st.Violations) > 0) {
			res.Stopped = StopBroken
			return nil
		}
		confirmed := lo != nil && lo.Duration >= o.StepDuration
		switch {
		case hi == nil: // nothing failed so far
			switch {
			case top < o.Max:
				rate, phase, d = roundRate(math.Min(top*o.Growth, o.Max)), "grow", o.ProbeDuration
			case lo == nil || lo.Asked < o.Max:
				res.Stopped = StopTooFew // the maximum rate could not be judged
				return nil
			case !confirmed:
				rate, phase, d = lo.Asked, "confirm", o.StepDuration
			default:
				res.Stopped = StopMaxReached
				return nil
			}
		case lo == nil: // nothing passed yet
			if st.Inconclusive && phase == "descend" {
				res.Stopped = StopTooFew // lower rates measure even less
				return nil
			}
			next := roundRate(hi.Asked / o.Growth)
			if next < floor || next >= hi.Asked {
				res.Stopped = StopNoPass
				return nil
			}
			rate, phase, d = next, "descend", o.StepDuration
		default:
			mid := roundRate(math.Sqrt(lo.Asked * hi.Asked))
			switch {
			case !confirmed:
				// Before bisecting above a rate only a probe passed:
				// a probe can pass an overload a full step shows.
				rate, phase, d = lo.Asked, "confirm", o.StepDuration
			case hi.Asked/lo.Asked-1 > o.Tolerance && mid > lo.Asked && mid < hi.Asked:
				rate, phase, d = mid, "bisect", o.StepDuration
			default:
				res.Stopped = StopConverged
				return nil
			}
		}
	}
}

// judgeStep turns a step's summary into a CapacityStep and decides it.
func judgeStep(sum *Summary, ts []Threshold, implicitErrors float64) CapacityStep {
	tot := sum.Totals()
	st := CapacityStep{
		Asked:         sum.AskedRate,
		Achieved:      sum.AchievedRate,
		Sessions:      sum.Session.Requests,
		Requests:      tot.Requests,
		Errors:        tot.Unexpected,
		ErrorFraction: tot.ErrorFraction(),
		Violations:    append([]ViolationCount{}, sum.Violations...),
		Dropped:       sum.Sessions.Dropped,
		Session:       sum.Session.Latency,
		Endpoints:     []StepLatency{},
		Thresholds:    EvaluateAll(ts, sum),
		Interrupted:   sum.Interrupted,
		Duration:      sum.Duration,
	}
	var errs []ErrorCount
	for _, m := range sum.Steps {
		// vegeta's per-step rate spans the step's own first to last
		// request, so steps later in a session are not undercounted.
		st.RequestRate += m.Rate
		st.Endpoints = append(st.Endpoints, StepLatency{Step: m.Name, Latency: m.Latency})
		for _, e := range m.Errors {
			errs = append(errs, ErrorCount{Error: m.Name + ": " + e.Error, Count: e.Count})
		}
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Count > errs[j].Count })
	if len(errs) > 3 {
		errs = errs[:3]
	}
	st.TopErrors = errs
	if st.Interrupted {
		st.Reasons = []string{"interrupted: not judged"}
		return st
	}
	var thin []string
	for _, t := range st.Thresholds {
		if need, ok := samplesNeeded(t.Threshold); ok {
			name := t.Step
			if name == "" {
				name = sessionAttack
			}
			m, _ := sum.Step(name)
			if m.Requests < need {
				thin = append(thin, fmt.Sprintf("%s: %d %s measured, too few to judge a %s (needs %d)", t.Expr, m.Requests, plural(name), t.Metric, need))
				continue
			}
		}
		if !t.Pass {
			why := "measured " + t.MeasuredText
			if t.Note != "" {
				why = t.Note
			}
			st.Reasons = append(st.Reasons, fmt.Sprintf("%s (%s)", t.Expr, why))
		}
	}
	if implicitErrors > 0 && st.ErrorFraction > implicitErrors {
		st.Reasons = append(st.Reasons, fmt.Sprintf("errors %s of requests (at most %s when no errors SLO is given)", pct(st.ErrorFraction), pct(implicitErrors)))
	}
	// Against the starts the pacer scheduled, so that a short step's
	// whole number of sessions is not taken for a shortfall.
	if st.Achieved < CapacityMinAchieved*sum.AskedRate {
		st.Reasons = append(st.Reasons, fmt.Sprintf("achieved %s/s, under %.0f%% of the %s/s asked", FormatRate(st.Achieved), CapacityMinAchieved*100, FormatRate(sum.AskedRate)))
	}
	if st.Dropped > 0 {
		st.Reasons = append(st.Reasons, fmt.Sprintf("dropped %d sessions (%d in flight at most)", st.Dropped, sum.Sessions.MaxInFlight))
	}
	if len(st.Violations) > 0 {
		st.Reasons = append(st.Reasons, "contract violations: "+violationText(st.Violations))
	}
	if st.Sessions == 0 {
		thin = append(thin, "no session measured after the warm-up")
	}
	if len(st.Reasons) == 0 && len(thin) > 0 {
		st.Inconclusive, st.Reasons = true, thin
	}
	st.Pass = len(st.Reasons) == 0
	return st
}

func violationText(vs []ViolationCount) string {
	parts := make([]string, 0, len(vs))
	for _, v := range vs {
		parts = append(parts, fmt.Sprintf("%s %s x%d", v.Step, v.Rule, v.Count))
	}
	return strings.Join(parts, ", ")
}

// samplesNeeded is how many samples a percentile threshold needs to be
// judged at all: 1/(1-q), so that a p99 is not simply the maximum of a few
// samples (100 for a p99, 1000 for a p99.9).
func samplesNeeded(t Threshold) (uint64, bool) {
	m := quantileRe.FindStringSubmatch(t.Metric)
	if m == nil {
		return 0, false
	}
	q, err := strconv.ParseFloat(m[1], 64)
	if err != nil || q >= 100 {
		return 0, false
	}
	return uint64(math.Ceil(100/(100-q) - 1e-9)), true
}

func plural(step string) string {
	if step == sessionAttack {
		return "sessions"
	}
	return step + " requests"
}

// finish fills the verdict fields from the steps and the ledger.
func finish(res *CapacityResult) {
	lo, hi := bounds(res.Steps)
	if lo != nil {
		res.MaxPassing, res.MaxPassingRequests = lo.Asked, lo.RequestRate
	}
	if hi != nil {
		res.FirstFailing, res.FirstFailingRequests = hi.Asked, hi.RequestRate
		res.BrokenBy = append([]string{}, hi.Reasons...)
	}
	res.Found = lo != nil && !res.Ledger.Failed()
	tol := pct(res.Settings.Tolerance)
	switch res.Stopped {
	case StopConverged:
		res.Note = fmt.Sprintf("capacity %s sessions/s (%s requests/s): %s/s passes and %s/s fails, within %s", FormatRate(res.MaxPassing), FormatRate(res.MaxPassingRequests), FormatRate(res.MaxPassing), FormatRate(res.FirstFailing), tol)
	case StopBudget:
		switch {
		case lo != nil && hi != nil:
			res.Note = fmt.Sprintf("the time budget ran out before the interval narrowed to %s: capacity between %s/s (passes) and %s/s (fails)", tol, FormatRate(res.MaxPassing), FormatRate(res.FirstFailing))
		case lo != nil:
			res.Note = fmt.Sprintf("the time budget ran out while every rate passed: capacity is at least %s sessions/s (start higher or allow more time to find the knee)", FormatRate(res.MaxPassing))
		case len(res.Steps) == 0:
			res.Note = fmt.Sprintf("the time budget %s is shorter than one step of %s: nothing ran", res.Settings.Budget, res.Settings.ProbeDuration)
		default:
			res.Note = "the time budget ran out before any rate passed"
		}
	case StopBroken:
		last := res.Steps[len(res.Steps)-1]
		if len(last.Violations) > 0 {
			res.Note = fmt.Sprintf("at %s/s, the lowest rate tried, the target broke the contract (%s): no capacity figure means anything until that is fixed", FormatRate(last.Asked), violationText(last.Violations))
		} else {
			res.Note = fmt.Sprintf("at %s/s %s of requests failed: the target looks broken (or its capacity is far below the start rate)", FormatRate(last.Asked), pct(last.ErrorFraction))
		}
	case StopMaxReached:
		res.Note = fmt.Sprintf("every rate up to the maximum %s/s passed: capacity is at least that", FormatRate(res.MaxPassing))
	case StopNoPass:
		res.Note = fmt.Sprintf("no rate passed, down to %s/s", FormatRate(res.Steps[len(res.Steps)-1].Asked))
	case StopTooFew:
		var thin *CapacityStep
		for i := range res.Steps {
			if res.Steps[i].Inconclusive {
				thin = &res.Steps[i]
			}
		}
		res.Note = "a rate could not be judged"
		if thin != nil {
			res.Note = fmt.Sprintf("at %s/s a step of %s is too short to judge: %s; longer steps (--step-duration) measure more", FormatRate(thin.Asked), thin.Duration, strings.Join(thin.Reasons, "; "))
		}
		switch {
		case lo == nil && hi != nil:
			res.Note = fmt.Sprintf("no rate passed: %s/s fails, and %s", FormatRate(hi.Asked), res.Note)
		case lo != nil:
			res.Note = fmt.Sprintf("capacity is at least %s sessions/s, but %s", FormatRate(lo.Asked), res.Note)
		}
	case StopCancelled:
		if lo != nil {
			res.Note = fmt.Sprintf("interrupted: capacity is at least %s sessions/s", FormatRate(res.MaxPassing))
		} else {
			res.Note = "interrupted before any rate passed"
		}
	}
	if lo != nil && lo.Duration < res.Settings.StepDuration {
		res.Note += fmt.Sprintf(" (%s/s passed a %s probe only, not confirmed by a full step)", FormatRate(lo.Asked), lo.Duration)
	}
	l := res.Ledger
	switch {
	case l.Skipped != "":
		res.Note += "; but the ledger could not be audited (" + l.Skipped + "), so no capacity figure stands"
	case l.Failed():
		rules := map[string]bool{}
		for _, f := range l.Findings {
			if f.Status == "fail" {
				rules[f.Rule] = true
			}
		}
		names := make([]string, 0, len(rules))
		for k := range rules {
			names = append(names, k)
		}
		sort.Strings(names)
		res.Note += fmt.Sprintf("; but the ledger audit failed (%s): a target that loses or double-spends points has no capacity figure", strings.Join(names, ", "))
	}
}

func pct(f float64) string {
	return fmt.Sprintf("%.3g%%", f*100)
}
