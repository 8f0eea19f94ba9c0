package record

import "time"

// The capacity section of a record: every step of a capacity search, the
// bounds it found, and its verdict. Package load's search fills it as it
// goes (load.CapacityResult is this type) and judges it once at the end.

// Why a capacity search stopped (Capacity.Stopped).
const (
	StopConverged  = "converged"       // passing and failing rates within the tolerance
	StopBudget     = "budget"          // the next step would not fit in the time budget
	StopBroken     = "broken-target"   // before any rate passed, most requests failed or the contract broke
	StopMaxReached = "max-reached"     // the maximum rate passed: capacity is at least that
	StopNoPass     = "no-rate-passed"  // stepping down to 1/s found no passing rate
	StopTooFew     = "too-few-samples" // lower rates measure too few samples to judge a percentile
	StopCancelled  = "interrupted"     // the context was cancelled (Ctrl-C)
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

// CapacitySettings are the search's settings; rates are session starts
// per second (load.CapacityOptions gives their defaults).
type CapacitySettings struct {
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

// RuleBroken reports whether the search found the target breaking a
// rule: a failing or unaudited ledger (judged: Ledger.Failed), or a
// contract violation at any rate. It is the verdict Failed records; a
// capacity figure may still stand beside it.
func (c *Capacity) RuleBroken() bool {
	if c.Ledger.Failed {
		return true
	}
	for _, s := range c.Steps {
		if len(s.Violations) > 0 {
			return true
		}
	}
	return false
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
