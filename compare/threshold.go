package compare

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"loyalcheck/load"
)

// Default bounds. A change is a regression only when it is significant
// and larger than every bound set for its metric: for a latency, both a
// relative and an absolute one.
//
//   - p50, p90 and p99 of every step and of sessions are judged, each with
//     +20% and +5 ms. The relative bound is above the run-to-run spread of
//     percentiles that busy CI machines show for one build (commonly
//     10-15%), which no confidence interval accounts for: it only knows
//     the sampling noise of one run. The absolute floor keeps a 0.2 ms to
//     0.3 ms change, +50% but at the scale of a scheduler time slice or a
//     GC pause, from failing a build. p99.9 and p95 are judged only when
//     asked for: p99.9 needs thousands of samples per run to be judged.
//   - The error rate of every step, of sessions and of all steps together
//     is judged with +0.1 percentage point: the whole error budget of a
//     99.9% availability objective.
const (
	DefaultRelative   = 0.20
	DefaultAbsolute   = 5 * time.Millisecond
	DefaultErrors     = 0.001
	DefaultConfidence = 0.99
)

// defaultQuantiles are the latency metrics judged on every series.
func defaultQuantiles() []string { return []string{"p50", "p90", "p99"} }

// Threshold is one --max-regression expression, METRIC[(STEP)]+VALUE with
// the metric and step names of --slo (see load.ParseThreshold):
//
//	p99(retail)+20%   p99 of retail may grow by 20% of BASE's
//	p50(session)+5ms  the median session may grow by 5 ms (us, ms, s)
//	errors+0.5%       the error rate over all steps may grow by 0.5
//	                  percentage point (errors are always absolute)
//
// METRIC is pNN or errors. As with --slo, a latency without STEP is of
// sessions and errors without STEP are over every step together. An
// expression replaces the default bound of its kind (relative or
// absolute) for its metric and keeps the other: p99(retail)+10% keeps
// the +5 ms floor; add p99(retail)+0ms to drop it.
type Threshold struct {
	Expr   string `json:"expr"`
	Metric string `json:"metric"`
	// Step is the series the bound applies to: a step, "session", or ""
	// for errors over every step.
	Step string `json:"step,omitempty"`
	// Relative is set for a relative bound (0.2 for +20%); otherwise
	// Absolute holds nanoseconds for a latency, a share for errors.
	Relative bool    `json:"relative"`
	Value    float64 `json:"value"`
}

var thresholdRe = regexp.MustCompile(`^(.*?)\+\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zµ%]*)\s*$`)

// ParseThreshold parses a --max-regression expression; the error names
// the bad part.
func ParseThreshold(expr string) (Threshold, error) {
	m := thresholdRe.FindStringSubmatch(expr)
	if m == nil {
		return Threshold{}, fmt.Errorf("max-regression %q: want METRIC[(STEP)]+VALUE, e.g. p99(retail)+20%% or p50(session)+5ms", expr)
	}
	metric, step, err := load.ParseMetric(m[1])
	if err != nil {
		return Threshold{}, fmt.Errorf("max-regression %q: %w", expr, err)
	}
	t := Threshold{Expr: strings.TrimSpace(expr), Metric: metric, Step: step}
	v, err := strconv.ParseFloat(m[2], 64)
	if err != nil {
		return Threshold{}, fmt.Errorf("max-regression %q: value %q is out of range", expr, m[2])
	}
	unit := m[3]
	switch {
	case metric == "errors":
		if unit != "%" {
			return Threshold{}, fmt.Errorf("max-regression %q: errors grow in percentage points: write e.g. errors+0.5%%", expr)
		}
		if v > 100 {
			return Threshold{}, fmt.Errorf("max-regression %q: an error rate grows by at most 100 points", expr)
		}
		t.Value = v / 100
	case strings.HasPrefix(metric, "p"):
		if t.Step == "" {
			t.Step = load.SessionStep
		}
		if unit == "%" {
			t.Relative, t.Value = true, v/100
			break
		}
		d, ok := load.UnitDuration(unit)
		if !ok {
			return Threshold{}, fmt.Errorf("max-regression %q: unit %q: want %% (relative) or us, ms, s", expr, unit)
		}
		t.Value = v * float64(d)
		if t.Value >= float64(1<<62) {
			return Threshold{}, fmt.Errorf("max-regression %q: %s is out of range", expr, m[2]+unit)
		}
	default:
		return Threshold{}, fmt.Errorf("max-regression %q: %s cannot be compared between runs (pNN or errors can)", expr, metric)
	}
	return t, nil
}

// ParseThresholds parses every expression.
func ParseThresholds(exprs []string) ([]Threshold, error) {
	out := make([]Threshold, 0, len(exprs))
	for _, e := range exprs {
		t, err := ParseThreshold(e)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Bound is what a change of one metric must exceed to count: both parts
// for a latency (Relative of BASE's value, and Absolute nanoseconds), the
// Absolute share for errors.
type Bound struct {
	Relative float64 `json:"relative,omitempty"`
	Absolute float64 `json:"absolute"`
}

func (b Bound) String(kind Kind) string {
	if kind == KindErrors {
		return fmt.Sprintf("+%.3g points", b.Absolute*100)
	}
	return fmt.Sprintf("+%.3g%% and +%s", b.Relative*100, fmtNs(b.Absolute))
}

// metricKey names one compared metric: pNN or errors of one series.
type metricKey struct{ metric, step string }

// bounds merges the defaults and the user's thresholds for the given
// series, in the order metrics are reported: per series its quantiles,
// ascending, then its errors; errors over every step last.
func bounds(series []string, ts []Threshold) ([]metricKey, map[metricKey]Bound) {
	out := map[metricKey]Bound{}
	var order []metricKey
	add := func(k metricKey, b Bound) {
		if _, ok := out[k]; !ok {
			order = append(order, k)
		}
		out[k] = b
	}
	for _, s := range series {
		for _, q := range defaultQuantiles() {
			add(metricKey{q, s}, Bound{DefaultRelative, float64(DefaultAbsolute)})
		}
		add(metricKey{"errors", s}, Bound{Absolute: DefaultErrors})
	}
	add(metricKey{"errors", ""}, Bound{Absolute: DefaultErrors})
	for _, t := range ts {
		k := metricKey{t.Metric, t.Step}
		b, ok := out[k]
		if !ok && t.Metric != "errors" {
			b = Bound{DefaultRelative, float64(DefaultAbsolute)}
		}
		if t.Relative {
			b.Relative = t.Value
		} else {
			b.Absolute = t.Value
		}
		add(k, b)
	}
	sortKeys(order, series)
	return order, out
}

// sortKeys orders metrics by series (in the given order, unknown series
// after), then quantiles ascending, then errors; errors over every step
// come last.
func sortKeys(keys []metricKey, series []string) {
	rank := func(k metricKey) (int, float64) {
		i := slices.Index(series, k.step)
		switch {
		case k.step == "":
			i = len(series) + 1
		case i < 0:
			i = len(series)
		}
		if k.metric == "errors" {
			return i, 2 // after every quantile (at most 1)
		}
		return i, quantileOf(k.metric)
	}
	slices.SortStableFunc(keys, func(a, b metricKey) int {
		ai, aq := rank(a)
		bi, bq := rank(b)
		if ai != bi {
			return ai - bi
		}
		if c := strings.Compare(a.step, b.step); c != 0 {
			return c
		}
		switch {
		case aq < bq:
			return -1
		case aq > bq:
			return 1
		}
		return 0
	})
}
