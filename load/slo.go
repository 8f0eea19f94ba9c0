package load

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"loyalcheck/api"
	runrec "loyalcheck/reports/record"
)

// Threshold is one SLO expression, e.g. p99(retail)<300ms, errors<0.1%,
// violations==0. Grammar: METRIC[(STEP)] OP NUMBER[UNIT], where METRIC is
// pNN (p50, p99, p99.9 ...), mean, max, errors, success, violations,
// dropped, rate or throughput; STEP is search, recalc, hold, release,
// retail or session; OP is < <= > >= == !=; UNIT is us, ms, s for
// latencies, % for shares, /s for rates.
//
// Without a STEP, the latency metrics (pNN, mean, max) and rate measure
// whole sessions (rate: session starts per second achieved); errors,
// success, violations and throughput measure every request of every step
// together (Summary.Totals); dropped always counts sessions.
//
// Threshold is the run record's type, so that run.json writes an SLO as
// it was parsed.
type Threshold = runrec.Threshold

// ThresholdResult is a threshold with what was measured.
type ThresholdResult = runrec.ThresholdResult

// metricPattern is METRIC[(STEP)], shared by thresholds and by
// ParseMetric.
const metricPattern = `([a-z]+(?:[0-9]+(?:\.[0-9]+)?)?)\s*(?:\(\s*([a-z-]*)\s*\))?`

var (
	sloRe      = regexp.MustCompile(`^\s*` + metricPattern + `\s*(<=|>=|==|!=|<|>)\s*(.*?)\s*$`)
	metricRe   = regexp.MustCompile(`^\s*` + metricPattern + `\s*$`)
	valueRe    = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([a-zµ%/]*)$`)
	quantileRe = regexp.MustCompile(`^p([0-9]+(?:\.[0-9]+)?)$`)
)

// SessionStep is the step name that stands for whole sessions, in
// thresholds and in a summary's series.
const SessionStep = runrec.SessionStep

// ParseMetric parses the METRIC[(STEP)] part of a threshold, e.g.
// "p99(retail)" or "errors", with the same metrics, steps and rules as
// ParseThreshold; other grammars over the same metrics (run comparison's
// thresholds) call it so that both accept the same names.
func ParseMetric(expr string) (metric, step string, err error) {
	m := metricRe.FindStringSubmatch(expr)
	if m == nil {
		return "", "", fmt.Errorf("metric %q: want METRIC[(STEP)], e.g. p99(retail)", expr)
	}
	if _, err := checkMetric(m[1], m[2]); err != nil {
		return "", "", err
	}
	return m[1], m[2], nil
}

// checkMetric says whether METRIC[(STEP)] is one a threshold can name, and
// what kind of value it measures: latency, count or rate.
func checkMetric(metric, step string) (kind string, err error) {
	switch {
	case quantileRe.MatchString(metric):
		if _, ok := (Latency{}).Quantile(metric[1:]); !ok {
			return "", fmt.Errorf("percentile %q is not measured (p50, p90, p95, p99, p99.9 are)", metric)
		}
		kind = "latency"
	case metric == "mean" || metric == "max":
		kind = "latency"
	case metric == "errors" || metric == "success" || metric == "violations":
		kind = "count"
	case metric == "dropped":
		kind = "count"
		if step != "" {
			return "", fmt.Errorf("dropped counts sessions and takes no step")
		}
	case metric == "rate" || metric == "throughput":
		kind = "rate"
	default:
		return "", fmt.Errorf("unknown metric %q (want pNN, mean, max, errors, success, violations, dropped, rate or throughput)", metric)
	}
	if step != "" && !knownStep(step) {
		return "", fmt.Errorf("unknown step %q (want search, recalc, hold, release, retail or session)", step)
	}
	if metric == "violations" && step == sessionAttack {
		// Violations are counted per response: a session has none of its
		// own, and a bound on them would pass whatever the target did.
		return "", fmt.Errorf("violations are counted per request: use violations or violations(STEP)")
	}
	return kind, nil
}

// ParseThreshold parses an SLO expression; the error names the bad token.
func ParseThreshold(expr string) (Threshold, error) {
	m := sloRe.FindStringSubmatch(expr)
	if m == nil {
		return Threshold{}, fmt.Errorf("slo %q: want METRIC[(STEP)] OP VALUE, e.g. p99(retail)<300ms", expr)
	}
	t := Threshold{Expr: strings.TrimSpace(expr), Metric: m[1], Step: m[2], Op: m[3]}
	kind, err := checkMetric(t.Metric, t.Step)
	if err != nil {
		return Threshold{}, fmt.Errorf("slo %q: %w", expr, err)
	}
	if strings.HasPrefix(strings.TrimSpace(m[4]), "-") {
		return Threshold{}, fmt.Errorf("slo %q: %s cannot be negative", expr, t.Metric)
	}
	v := valueRe.FindStringSubmatch(m[4])
	if v == nil {
		return Threshold{}, fmt.Errorf("slo %q: bad value %q", expr, m[4])
	}
	if t.Limit, err = strconv.ParseFloat(v[1], 64); err != nil {
		// Only a value beyond float64's range gets here: the pattern
		// admits nothing else.
		return Threshold{}, fmt.Errorf("slo %q: value %q is out of range", expr, v[1])
	}
	t.Unit = v[2]
	switch kind {
	case "latency":
		d, ok := UnitDuration(t.Unit)
		if !ok {
			return Threshold{}, fmt.Errorf("slo %q: latency unit %q: want us, ms or s", expr, t.Unit)
		}
		t.Limit *= float64(d)
		t.Unit = "ns"
		if t.Limit >= math.MaxInt64 {
			// Reports show the limit as a time.Duration.
			return Threshold{}, fmt.Errorf("slo %q: latency %s is out of range", expr, m[4])
		}
	case "count":
		if t.Unit != "" && t.Unit != "%" {
			return Threshold{}, fmt.Errorf("slo %q: unit %q: want none (a count) or %%", expr, t.Unit)
		}
		if t.Metric == "success" && t.Unit != "%" {
			return Threshold{}, fmt.Errorf("slo %q: success is a share: write it with %%", expr)
		}
		if t.Unit == "%" {
			t.Limit /= 100
		}
	case "rate":
		if t.Unit != "" && t.Unit != "/s" {
			return Threshold{}, fmt.Errorf("slo %q: rate unit %q: want /s", expr, t.Unit)
		}
		t.Unit = "/s"
	}
	if err := checkPossible(t); err != nil {
		return Threshold{}, fmt.Errorf("slo %q: %w", expr, err)
	}
	return t, nil
}

// checkPossible refuses a threshold whose verdict is known before the run:
// one that no measure can meet is a typo, and one that every measure meets
// would pass a run whatever the target did. Every metric is at least 0,
// and a share at most 100%.
func checkPossible(t Threshold) error {
	share := t.Unit == "%"
	if share && t.Limit > 1 {
		return fmt.Errorf("a share is at most 100%%, not %g%%", t.Limit*100)
	}
	switch {
	case t.Limit == 0 && t.Op == "<":
		return fmt.Errorf("%s is never below 0: the threshold can never hold", t.Metric)
	case t.Limit == 0 && t.Op == ">=":
		return fmt.Errorf("%s is never below 0: the threshold always holds", t.Metric)
	case share && t.Limit == 1 && t.Op == ">":
		return fmt.Errorf("a share is never above 100%%: the threshold can never hold")
	case share && t.Limit == 1 && t.Op == "<=":
		return fmt.Errorf("a share is never above 100%%: the threshold always holds")
	}
	return nil
}

// ParseThresholds parses each expression and drops exact duplicates.
func ParseThresholds(exprs []string) ([]Threshold, error) {
	var out []Threshold
	seen := map[string]bool{}
	for _, e := range exprs {
		t, err := ParseThreshold(e)
		if err != nil {
			return nil, err
		}
		key := strings.Join(strings.Fields(t.Expr), "")
		if !seen[key] {
			seen[key] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// knownStep: a threshold may name the whole session or any endpoint.
func knownStep(s string) bool { return s == sessionAttack || api.Endpoint(s).Valid() }

// UnitDuration is one of the latency units a threshold is written in (us
// or µs, ms, s); --max-regression reads the same units.
func UnitDuration(u string) (time.Duration, bool) {
	switch u {
	case "us", "µs":
		return time.Microsecond, true
	case "ms":
		return time.Millisecond, true
	case "s":
		return time.Second, true
	}
	return 0, false
}

// Evaluate measures threshold t on a summary.
func Evaluate(t Threshold, s *Summary) ThresholdResult {
	r := ThresholdResult{Threshold: t}
	step := t.Step
	var m StepMetrics
	switch {
	case step == "" && (t.Metric[0] == 'p' || t.Metric == "mean" || t.Metric == "max"):
		step = sessionAttack
		m = s.Session
	case step == "":
		m = s.Totals()
	default:
		var ok bool
		if m, ok = s.Step(step); !ok {
			r.Note = fmt.Sprintf("step %s never ran", step)
			return r
		}
	}
	switch {
	case quantileRe.MatchString(t.Metric) || t.Metric == "mean" || t.Metric == "max":
		if m.Requests == 0 {
			r.Note = fmt.Sprintf("no %s measured", step)
			return r
		}
		var d time.Duration
		switch t.Metric {
		case "mean":
			d = m.Latency.Mean
		case "max":
			d = m.Latency.Max
		default:
			d, _ = m.Latency.Quantile(t.Metric[1:])
		}
		r.Measured = float64(d)
		r.MeasuredText = fmtDuration(d)
	case t.Metric == "errors":
		r.Measured = float64(m.Unexpected)
		if t.Unit == "%" {
			r.Measured = m.ErrorFraction()
		}
	case t.Metric == "success":
		r.Measured = m.Success
	case t.Metric == "violations":
		r.Measured = float64(m.Violations)
		if t.Unit == "%" && m.Requests > 0 {
			r.Measured /= float64(m.Requests)
		}
	case t.Metric == "dropped":
		r.Measured = float64(s.Sessions.Dropped)
		if t.Unit == "%" && s.Sessions.Scheduled > 0 {
			r.Measured /= float64(s.Sessions.Scheduled)
		}
	case t.Metric == "rate":
		r.Measured = m.Rate
		if step == "" {
			r.Measured = s.AchievedRate
		}
	case t.Metric == "throughput":
		r.Measured = m.Throughput
	}
	if r.MeasuredText == "" {
		r.MeasuredText = measuredText(t, r.Measured)
	}
	r.Pass = compare(r.Measured, t.Op, t.Limit)
	return r
}

// measuredText writes v in t's unit.
func measuredText(t Threshold, v float64) string {
	switch t.Unit {
	case "%":
		return fmt.Sprintf("%.3g%%", v*100)
	case "/s":
		return fmt.Sprintf("%.1f/s", v)
	}
	if t.Metric == "success" {
		return fmt.Sprintf("%.2f%%", v*100)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func compare(v float64, op string, limit float64) bool {
	const tol = 1e-12
	switch op {
	case "<":
		return v < limit
	case "<=":
		return v <= limit+tol
	case ">":
		return v > limit
	case ">=":
		return v >= limit-tol
	case "==":
		return math.Abs(v-limit) <= tol
	case "!=":
		return math.Abs(v-limit) > tol
	}
	return false
}

func fmtDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.3gs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.3gms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.3gµs", float64(d)/1e3)
}

// EvaluateAll measures every threshold.
func EvaluateAll(ts []Threshold, s *Summary) []ThresholdResult {
	out := make([]ThresholdResult, len(ts))
	for i, t := range ts {
		out[i] = Evaluate(t, s)
	}
	return out
}
