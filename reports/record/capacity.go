package record

import (
	"time"

	"loyalcheck/load"
)

// The capacity section of a record: every step of a capacity search, the
// bounds it found, and its verdict, computed once by FromCapacity.

// Capacity search stops (Capacity.Stopped).
const (
	StopConverged = load.StopConverged
	StopBudget    = load.StopBudget
)

// Capacity is a capacity search.
type Capacity struct {
	Scenario   string           `json:"scenario"`
	Thresholds []Threshold      `json:"thresholds"`
	Settings   CapacitySettings `json:"settings"`
	// ImplicitErrors is the error share a step may have when no threshold
	// bounds errors over all requests; 0 when the thresholds do.
	ImplicitErrors float64 `json:"implicit_errors,omitempty"`
	// Found is true when some rate passed and the ledger audit is clean.
	Found bool `json:"found"`
	// Failed is true when the search found the target breaking a rule: a
	// failing or unaudited ledger, or a contract violation at any rate.
	Failed bool `json:"failed"`
	// MaxPassing is the highest passing session rate (sessions/s) and
	// MaxPassingRequests the request rate measured at it.
	MaxPassing         float64 `json:"max_passing_rate"`
	MaxPassingRequests float64 `json:"max_passing_request_rate"`
	// FirstFailing is the lowest failing rate (0 when none failed) and
	// BrokenBy what failed there.
	FirstFailing         float64  `json:"first_failing_rate"`
	FirstFailingRequests float64  `json:"first_failing_request_rate"`
	BrokenBy             []string `json:"broken_by"`
	// Stopped says why the search stopped; Note says it in a sentence.
	Stopped string         `json:"stopped"`
	Note    string         `json:"note"`
	Steps   []CapacityStep `json:"steps"`
	Started time.Time      `json:"started"`
	// Elapsed is the whole search, ledger audit included.
	Elapsed time.Duration `json:"elapsed_ns"`
	Ledger  Ledger        `json:"ledger"`
}

// CapacitySettings are the search's settings.
type CapacitySettings struct {
	Start         float64       `json:"start_rate"`
	Max           float64       `json:"max_rate"`
	Growth        float64       `json:"growth"`
	Tolerance     float64       `json:"tolerance"`
	StepDuration  time.Duration `json:"step_duration_ns"`
	Warmup        time.Duration `json:"warmup_ns"`
	ProbeDuration time.Duration `json:"probe_duration_ns"`
	Budget        time.Duration `json:"budget_ns"`
}

// CapacityStep is one rate the search tried and its verdict.
type CapacityStep struct {
	N int `json:"n"`
	// Phase is grow, bisect, confirm or descend.
	Phase string `json:"phase"`
	// Asked and Achieved are session starts per second; RequestRate is
	// requests per second measured after the warm-up.
	Asked         float64           `json:"asked_rate"`
	Achieved      float64           `json:"achieved_rate"`
	RequestRate   float64           `json:"request_rate"`
	Sessions      uint64            `json:"sessions"`
	Requests      uint64            `json:"requests"`
	Errors        uint64            `json:"errors"`
	ErrorFraction float64           `json:"error_fraction"`
	TopErrors     []ErrorCount      `json:"top_errors,omitempty"`
	Violations    []ViolationCount  `json:"violations"`
	Dropped       uint64            `json:"dropped"`
	Session       Latency           `json:"session"`
	Endpoints     []StepLatency     `json:"endpoints"`
	Thresholds    []ThresholdResult `json:"thresholds"`
	// Pass: every condition held, on enough samples; Inconclusive steps
	// broke nothing but measured too few samples to judge.
	Pass         bool `json:"pass"`
	Inconclusive bool `json:"inconclusive,omitempty"`
	// Reasons say why a step failed (or was inconclusive).
	Reasons     []string      `json:"reasons,omitempty"`
	Interrupted bool          `json:"interrupted,omitempty"`
	Started     time.Time     `json:"started"`
	Duration    time.Duration `json:"duration_ns"`
	Warmup      time.Duration `json:"warmup_ns"`
	Elapsed     time.Duration `json:"elapsed_ns"`
}

// ViolationTotal counts the contract violations of the step.
func (s CapacityStep) ViolationTotal() uint64 {
	var n uint64
	for _, v := range s.Violations {
		n += v.Count
	}
	return n
}

// PassingStep is the step that passed at the search's highest passing
// rate (a full step over a probe), nil when none passed.
func (c *Capacity) PassingStep() *CapacityStep {
	var best *CapacityStep
	for i := range c.Steps {
		st := &c.Steps[i]
		if !st.Pass || st.Interrupted || c.MaxPassing == 0 || st.Asked != c.MaxPassing {
			continue
		}
		if best == nil || st.Duration >= best.Duration {
			best = st
		}
	}
	return best
}

// FailingStep is the step that failed at the search's first failing
// rate, nil when none failed.
func (c *Capacity) FailingStep() *CapacityStep {
	for i := range c.Steps {
		st := &c.Steps[i]
		if !st.Pass && !st.Inconclusive && !st.Interrupted && c.FirstFailing != 0 && st.Asked == c.FirstFailing {
			return st
		}
	}
	return nil
}

// CapacityThresholds are the SLOs of a capacity search as measured at its
// highest passing step (the run record's Thresholds); empty when there is
// no capacity figure (no rate passed, or the ledger voided it).
func CapacityThresholds(c *Capacity) []ThresholdResult {
	out := []ThresholdResult{}
	if c == nil || !c.Found {
		return out
	}
	if st := c.PassingStep(); st != nil {
		out = append(out, st.Thresholds...)
	}
	return out
}

// FromCapacity converts a capacity search and its verdict; nil stays nil.
func FromCapacity(c *load.CapacityResult) *Capacity {
	if c == nil {
		return nil
	}
	o := c.Settings
	out := &Capacity{
		Scenario: c.Scenario, Thresholds: make([]Threshold, 0, len(c.Thresholds)),
		Settings: CapacitySettings{Start: o.Start, Max: o.Max, Growth: o.Growth, Tolerance: o.Tolerance,
			StepDuration: o.StepDuration, Warmup: o.Warmup, ProbeDuration: o.ProbeDuration, Budget: o.Budget},
		ImplicitErrors: c.ImplicitErrors, Found: c.Found, Failed: c.Failed(),
		MaxPassing: c.MaxPassing, MaxPassingRequests: c.MaxPassingRequests,
		FirstFailing: c.FirstFailing, FirstFailingRequests: c.FirstFailingRequests, BrokenBy: nonNil(c.BrokenBy),
		Stopped: c.Stopped, Note: c.Note, Steps: make([]CapacityStep, 0, len(c.Steps)),
		Started: c.Started, Elapsed: c.Elapsed, Ledger: ledgerOf(c.Ledger),
	}
	for _, t := range c.Thresholds {
		out.Thresholds = append(out.Thresholds, Threshold(t))
	}
	for _, s := range c.Steps {
		st := CapacityStep{N: s.N, Phase: s.Phase, Asked: s.Asked, Achieved: s.Achieved, RequestRate: s.RequestRate,
			Sessions: s.Sessions, Requests: s.Requests, Errors: s.Errors, ErrorFraction: s.ErrorFraction,
			Violations: violationsOf(s.Violations), Dropped: s.Dropped, Session: Latency(s.Session),
			Endpoints: stepLatenciesOf(s.Endpoints), Thresholds: FromThresholds(s.Thresholds),
			Pass: s.Pass, Inconclusive: s.Inconclusive, Reasons: s.Reasons, Interrupted: s.Interrupted,
			Started: s.Started, Duration: s.Duration, Warmup: s.Warmup, Elapsed: s.Elapsed}
		if len(s.TopErrors) > 0 {
			st.TopErrors = errorsOf(s.TopErrors)
		}
		out.Steps = append(out.Steps, st)
	}
	return out
}
