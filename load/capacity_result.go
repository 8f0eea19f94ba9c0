package load

import (
	"fmt"
	"sort"
	"strings"

	runrec "loyalcheck/reports/record"
)

// The outcome of a capacity search: the bounds the steps found, and the
// verdict and its sentence, voided by a failing ledger audit.

// CapacityResult is the outcome of a capacity search: the capacity
// section of a run record, filled by the search and judged by finish.
type CapacityResult = runrec.Capacity

// CapacityStep is one rate tried: what was asked, what was measured after
// the warm-up, and whether it passed.
type CapacityStep = runrec.CapacityStep

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

// finish judges the ledger audit and fills the verdict fields from it
// and the steps.
func finish(res *CapacityResult) {
	res.Ledger = runrec.LedgerOf(res.Ledger.LedgerAudit)
	lo, hi := bounds(res.Steps)
	if lo != nil {
		res.MaxPassing, res.MaxPassingRequests = lo.Asked, lo.RequestRate
	}
	if hi != nil {
		res.FirstFailing, res.FirstFailingRequests = hi.Asked, hi.RequestRate
		res.BrokenBy = append([]string{}, hi.Reasons...)
	}
	res.Found = lo != nil && !res.Ledger.Failed
	res.Failed = res.RuleBroken()
	tol := pct(res.Settings.Tolerance)
	switch res.Stopped {
	case runrec.StopConverged:
		res.Note = fmt.Sprintf("capacity %s sessions/s (%s requests/s): %s/s passes and %s/s fails, within %s", runrec.FormatRate(res.MaxPassing), runrec.FormatRate(res.MaxPassingRequests), runrec.FormatRate(res.MaxPassing), runrec.FormatRate(res.FirstFailing), tol)
	case runrec.StopBudget:
		switch {
		case lo != nil && hi != nil:
			res.Note = fmt.Sprintf("the time budget ran out before the interval narrowed to %s: capacity between %s/s (passes) and %s/s (fails)", tol, runrec.FormatRate(res.MaxPassing), runrec.FormatRate(res.FirstFailing))
		case lo != nil:
			res.Note = fmt.Sprintf("the time budget ran out while every rate passed: capacity is at least %s sessions/s (start higher or allow more time to find the knee)", runrec.FormatRate(res.MaxPassing))
		case len(res.Steps) == 0:
			res.Note = fmt.Sprintf("the time budget %s is shorter than one step of %s: nothing ran", res.Settings.Budget, res.Settings.ProbeDuration)
		default:
			res.Note = "the time budget ran out before any rate passed"
		}
	case runrec.StopBroken:
		last := res.Steps[len(res.Steps)-1]
		if len(last.Violations) > 0 {
			res.Note = fmt.Sprintf("at %s/s, the lowest rate tried, the target broke the contract (%s): no capacity figure means anything until that is fixed", runrec.FormatRate(last.Asked), violationText(last.Violations))
		} else {
			res.Note = fmt.Sprintf("at %s/s %s of requests failed: the target looks broken (or its capacity is far below the start rate)", runrec.FormatRate(last.Asked), pct(last.ErrorFraction))
		}
	case runrec.StopMaxReached:
		res.Note = fmt.Sprintf("every rate up to the maximum %s/s passed: capacity is at least that", runrec.FormatRate(res.MaxPassing))
	case runrec.StopNoPass:
		res.Note = fmt.Sprintf("no rate passed, down to %s/s", runrec.FormatRate(res.Steps[len(res.Steps)-1].Asked))
	case runrec.StopTooFew:
		var thin *CapacityStep
		for i := range res.Steps {
			if res.Steps[i].Inconclusive {
				thin = &res.Steps[i]
			}
		}
		res.Note = "a rate could not be judged"
		if thin != nil {
			res.Note = fmt.Sprintf("at %s/s a step of %s is too short to judge: %s; longer steps (--step-duration) measure more", runrec.FormatRate(thin.Asked), thin.Duration, strings.Join(thin.Reasons, "; "))
		}
		switch {
		case lo == nil && hi != nil:
			res.Note = fmt.Sprintf("no rate passed: %s/s fails, and %s", runrec.FormatRate(hi.Asked), res.Note)
		case lo != nil:
			res.Note = fmt.Sprintf("capacity is at least %s sessions/s, but %s", runrec.FormatRate(lo.Asked), res.Note)
		}
	case runrec.StopCancelled:
		if lo != nil {
			res.Note = fmt.Sprintf("interrupted: capacity is at least %s sessions/s", runrec.FormatRate(res.MaxPassing))
		} else {
			res.Note = "interrupted before any rate passed"
		}
	}
	if lo != nil && lo.Duration < res.Settings.StepDuration {
		res.Note += fmt.Sprintf(" (%s/s passed a %s probe only, not confirmed by a full step)", runrec.FormatRate(lo.Asked), lo.Duration)
	}
	l := res.Ledger
	switch {
	case l.Skipped != "":
		res.Note += "; but the ledger could not be audited (" + l.Skipped + "), so no capacity figure stands"
	case l.Failed:
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
