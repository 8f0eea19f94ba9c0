package load

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// The outcome of a capacity search: the bounds the steps found, and the
// verdict and its sentence, voided by a failing ledger audit.

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
