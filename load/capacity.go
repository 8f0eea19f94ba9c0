package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	runrec "loyalcheck/reports/record"
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
	runrec.CapacitySettings
	// RunOptions apply to every step's Run (progress, result sinks).
	RunOptions []Option `json:"-"`
	// OnStep is called after each step is judged.
	OnStep func(CapacityStep) `json:"-"`

	now func() time.Time // tests
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
		Settings:   o.CapacitySettings,
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
	res.Ledger.LedgerAudit = r.Audit(ctx)
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
			ops[string(st.Op)] = true
		}
	}
	for _, t := range ts {
		if !ops[t.Step] {
			return fmt.Errorf("slo %q: scenario %s has no %s step", t.Expr, sc.Name, t.Step)
		}
	}
	return nil
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
			res.Stopped = runrec.StopCancelled
			return nil
		}
		if o.now().Sub(res.Started)+d+overhead > o.Budget {
			res.Stopped = runrec.StopBudget
			return nil
		}
		for _, st := range res.Steps {
			if st.Asked == rate && st.Duration == d && !st.Interrupted {
				// Only an inconclusive step leads back to itself.
				res.Stopped = runrec.StopTooFew
				return nil
			}
		}
		warm := time.Duration(float64(o.Warmup) * float64(d) / float64(o.StepDuration))
		began := o.now()
		sum, err := run(ctx, rate, d, warm)
		if err != nil {
			return fmt.Errorf("step at %s/s: %w", runrec.FormatRate(rate), err)
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
			res.Stopped = runrec.StopCancelled
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
			res.Stopped = runrec.StopBroken
			return nil
		}
		confirmed := lo != nil && lo.Duration >= o.StepDuration
		switch {
		case hi == nil: // nothing failed so far
			switch {
			case top < o.Max:
				rate, phase, d = roundRate(math.Min(top*o.Growth, o.Max)), "grow", o.ProbeDuration
			case lo == nil || lo.Asked < o.Max:
				res.Stopped = runrec.StopTooFew // the maximum rate could not be judged
				return nil
			case !confirmed:
				rate, phase, d = lo.Asked, "confirm", o.StepDuration
			default:
				res.Stopped = runrec.StopMaxReached
				return nil
			}
		case lo == nil: // nothing passed yet
			if st.Inconclusive && phase == "descend" {
				res.Stopped = runrec.StopTooFew // lower rates measure even less
				return nil
			}
			next := roundRate(hi.Asked / o.Growth)
			if next < floor || next >= hi.Asked {
				res.Stopped = runrec.StopNoPass
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
				res.Stopped = runrec.StopConverged
				return nil
			}
		}
	}
}
