package load

import (
	"fmt"
	runrec "loyalcheck/reports/record"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Judging one step of a capacity search: the thresholds, the error share,
// the achieved rate, drops and contract violations, and whether enough
// samples were measured to judge a percentile at all.

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
		st.Reasons = append(st.Reasons, fmt.Sprintf("achieved %s/s, under %.0f%% of the %s/s asked", runrec.FormatRate(st.Achieved), CapacityMinAchieved*100, runrec.FormatRate(sum.AskedRate)))
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
