// Package compare judges whether one run (NEW) is worse than another
// (BASE) of the same scenario, without flagging the noise two runs of one
// build always show. It is pure: it reads histograms and counts, and
// leaves files and formats to its callers.
//
// Method. A latency quantile of each run gets a distribution-free
// confidence interval from order statistics (see quantile.go): ranks from
// the binomial law (exact for small samples, normal approximation with
// continuity correction otherwise), values read at those ranks from the
// run's HDR histogram. A rise is significant only when NEW's lower bound
// is above BASE's upper bound: for it to happen by chance, one of the two
// intervals must miss its quantile, so at confidence c a regression is
// flagged by chance with probability at most 1-c per metric, and in
// practice far less: for two runs of one distribution, 99% intervals part
// only on a difference of about 3.6 standard errors (p ~ 0.0002). An error
// rate is compared with a one-sided pooled two-proportion z-test (Fisher's
// exact test when errors are too few for the z-test), each at level
// (1-c)/k over the k error rates compared (Bonferroni): without it, six
// error rates at 1% each flag one run in sixteen of an unchanged build. A
// quantile with too few samples for both bounds is "not judged", never a
// regression.
//
// A significant change is a regression only when it also exceeds its
// bound (see Threshold and the defaults): the intervals know the sampling
// noise within a run, not the machine's drift from one run to the next,
// and the bounds are what absorbs that.
package compare

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"loyalcheck/load"
	"loyalcheck/reports/record"
)

// Series is one measured series of a run: a step, or whole sessions
// (load.SessionStep).
type Series struct {
	Name string
	// Hist holds the latencies in nanoseconds (load.DecodeHistogram).
	Hist *hdrhistogram.Histogram
	// Max is the true maximum when known (> 0); quantiles are capped at
	// it as the run's summary caps them.
	Max      time.Duration
	Requests uint64
	// Errors counts unexpected outcomes (for sessions: failed sessions).
	Errors uint64
}

// Run is one side of a comparison.
type Run struct {
	Scenario string
	Target   string
	// Rate is the asked rate of session starts per second; Duration the
	// asked duration of session starts.
	Rate     float64
	Duration time.Duration
	Series   []Series
	// Rules holds the contract rules verified, by id: true when it
	// passed. A rule skipped or not run is absent; nil means no contract
	// part ran.
	Rules map[string]bool
}

// Kind is what a compared metric measures.
type Kind = record.MetricKind

// Kinds of metrics.
const (
	KindLatency = record.MetricLatency
	KindErrors  = record.MetricErrors
)

// Verdict is the judgement on one compared metric.
type Verdict string

// Verdicts. Those a run record's verdict reads are the record's names,
// so that a record and compare cannot spell them apart.
const (
	OK          Verdict = "ok"
	Regression  Verdict = record.MetricRegression
	Improvement Verdict = "improvement"
	NotJudged   Verdict = record.MetricNotJudged
)

// Metric is one compared metric: the figures of both runs (the run
// record's type) and the judgement over them.
type Metric struct {
	record.ComparedFigures
	Bound   Bound   `json:"bound"`
	Verdict Verdict `json:"verdict"`
	Reason  string  `json:"reason"`
}

// Result is a whole comparison.
type Result struct {
	Confidence float64 `json:"confidence"`
	// Method states how significance was judged, for reports.
	Method  string   `json:"method"`
	Metrics []Metric `json:"metrics"`
	// Contract is nil when neither run has contract results.
	Contract *ContractDiff `json:"contract,omitempty"`
	// Warnings say how the runs differ (rate, duration, target, steps).
	Warnings []string `json:"warnings"`
	// Regression is set when a metric regressed or a contract rule that
	// passed in BASE fails in NEW.
	Regression bool `json:"regression"`
}

// ErrUnlike is returned, wrapped, when the runs ran different scenarios
// and WithForce was not given: their comparison would mean nothing.
var ErrUnlike = errors.New("runs are not comparable")

type config struct {
	confidence float64
	thresholds []Threshold
	force      bool
}

// Option sets a comparison setting.
type Option func(*config)

// WithConfidence sets the confidence level, 0.99 by default.
func WithConfidence(c float64) Option { return func(cfg *config) { cfg.confidence = c } }

// WithThresholds sets bounds over the defaults (see Threshold).
func WithThresholds(ts ...Threshold) Option {
	return func(cfg *config) { cfg.thresholds = append(cfg.thresholds, ts...) }
}

// WithForce compares runs of different scenarios, with a warning.
func WithForce(force bool) Option { return func(cfg *config) { cfg.force = force } }

// Compare judges NEW against BASE.
func Compare(base, newer *Run, opts ...Option) (*Result, error) {
	cfg := config{confidence: DefaultConfidence}
	for _, o := range opts {
		o(&cfg)
	}
	if !(cfg.confidence >= 0.5 && cfg.confidence <= 0.9999) {
		return nil, fmt.Errorf("confidence %g: want 0.5 to 0.9999", cfg.confidence)
	}
	if err := check(base, "BASE"); err != nil {
		return nil, err
	}
	if err := check(newer, "NEW"); err != nil {
		return nil, err
	}
	res := &Result{Confidence: cfg.confidence, Method: method(cfg.confidence), Metrics: []Metric{}, Warnings: []string{}}
	if base.Scenario != newer.Scenario {
		if !cfg.force {
			return nil, fmt.Errorf("%w: BASE ran scenario %q, NEW %q (force to compare anyway)", ErrUnlike, base.Scenario, newer.Scenario)
		}
		res.Warnings = append(res.Warnings, fmt.Sprintf("different scenarios: BASE ran %q, NEW %q", base.Scenario, newer.Scenario))
	}
	res.Warnings = append(res.Warnings, unlike(base, newer)...)

	names := SeriesNames(base, newer)
	keys, bs := bounds(names, cfg.thresholds)
	nErrors := 0
	for _, k := range keys {
		if k.metric == "errors" {
			nErrors++
		}
	}
	baseIv := intervals(base, keys, cfg.confidence)
	newIv := intervals(newer, keys, cfg.confidence)
	for _, k := range keys {
		m := Metric{ComparedFigures: record.ComparedFigures{Name: k.metric, Metric: k.metric, Step: k.step}, Bound: bs[k]}
		if k.step != "" {
			m.Name = k.metric + "(" + k.step + ")"
		}
		if k.metric == "errors" {
			m.Kind = KindErrors
			judgeErrors(&m, errorCounts(base, k.step), errorCounts(newer, k.step), cfg.confidence, nErrors)
		} else {
			m.Kind = KindLatency
			judgeLatency(&m, baseIv[k], newIv[k], cfg.confidence)
		}
		res.Regression = res.Regression || m.Verdict == Regression
		res.Metrics = append(res.Metrics, m)
	}
	if base.Rules != nil || newer.Rules != nil {
		if base.Rules == nil || newer.Rules == nil {
			res.Warnings = append(res.Warnings, "only one run has contract results: rules are compared against none")
		}
		res.Contract = diffRules(base.Rules, newer.Rules)
		res.Regression = res.Regression || len(res.Contract.Regressed) > 0
	}
	return res, nil
}

// check refuses a run whose counts cannot be (a hand-edited or corrupt
// record): judging it would be judging nonsense.
func check(r *Run, side string) error {
	if r == nil {
		return fmt.Errorf("%s: no run", side)
	}
	seen := map[string]bool{}
	for _, s := range r.Series {
		if seen[s.Name] {
			return fmt.Errorf("%s: series %s appears twice", side, s.Name)
		}
		seen[s.Name] = true
		if s.Errors > s.Requests {
			return fmt.Errorf("%s: series %s has %d errors of %d requests", side, s.Name, s.Errors, s.Requests)
		}
	}
	return nil
}

func method(conf float64) string {
	return fmt.Sprintf("Latency quantiles: distribution-free %s confidence intervals from order statistics (binomial ranks: exact for small samples, "+
		"normal approximation with continuity correction otherwise) read from each run's HDR histogram; a rise is significant when NEW's lower bound "+
		"exceeds BASE's upper bound (chance of a false flag at most %s per metric). Error rates: one-sided pooled two-proportion z-test "+
		"(Fisher's exact test when errors are few), at %s over all the error rates compared together (Bonferroni). A significant change is a regression only when it also exceeds its bound. "+
		"The intervals cover the sampling noise of each run, not a machine's drift between runs: the bounds absorb that.",
		pct(conf), pct(1-conf), pct(conf))
}

func pct(v float64) string { return fmt.Sprintf("%.4g%%", v*100) }

// unlike says, for people, how the runs differ beyond their scenario.
func unlike(base, newer *Run) []string {
	var w []string
	differs := func(a, b float64) bool { return math.Abs(a-b) > 0.01*max(math.Abs(a), math.Abs(b)) }
	if differs(base.Rate, newer.Rate) {
		w = append(w, fmt.Sprintf("different rates: BASE %.4g sessions/s, NEW %.4g: latencies under another load differ for that reason alone", base.Rate, newer.Rate))
	}
	if differs(float64(base.Duration), float64(newer.Duration)) {
		w = append(w, fmt.Sprintf("different durations: BASE %s, NEW %s", base.Duration, newer.Duration))
	}
	if base.Target != newer.Target {
		w = append(w, fmt.Sprintf("different targets: BASE %s, NEW %s", base.Target, newer.Target))
	}
	for _, s := range base.Series {
		if newer.Find(s.Name) == nil {
			w = append(w, fmt.Sprintf("%s ran only in BASE", s.Name))
		}
	}
	for _, s := range newer.Series {
		if base.Find(s.Name) == nil {
			w = append(w, fmt.Sprintf("%s ran only in NEW", s.Name))
		}
	}
	return w
}

// Find returns the run's series of that name, nil when it has none.
func (r *Run) Find(name string) *Series {
	for i := range r.Series {
		if r.Series[i].Name == name {
			return &r.Series[i]
		}
	}
	return nil
}

// SeriesNames lists the series of the runs, each once, in the order the
// runs list them, the first run's first.
func SeriesNames(runs ...*Run) []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range runs {
		for _, s := range r.Series {
			if !seen[s.Name] {
				seen[s.Name] = true
				names = append(names, s.Name)
			}
		}
	}
	return names
}

// intervals reads every judged quantile of a run, one pass per series.
func intervals(r *Run, keys []metricKey, conf float64) map[metricKey]interval {
	out := map[metricKey]interval{}
	byStep := map[string][]metricKey{}
	for _, k := range keys {
		if k.metric != "errors" {
			byStep[k.step] = append(byStep[k.step], k)
		}
	}
	for step, ks := range byStep {
		s := r.Find(step)
		if s == nil {
			continue
		}
		if s.Hist == nil && s.Requests > 0 {
			for _, k := range ks {
				out[k] = interval{noHist: true}
			}
			continue
		}
		qs := make([]float64, len(ks))
		for i, k := range ks {
			qs[i] = quantileOf(k.metric)
		}
		for i, iv := range quantileIntervals(s.Hist, qs, conf, float64(s.Max)) {
			out[ks[i]] = iv
		}
	}
	return out
}

// quantileOf reads pNN as a quantile: p99.9 is 0.999.
func quantileOf(metric string) float64 {
	var v float64
	_, _ = fmt.Sscanf(metric[1:], "%g", &v)
	return v / 100
}

type counts struct{ errors, requests uint64 }

// errorCounts of a series, or of every step together for step "".
func errorCounts(r *Run, step string) counts {
	var c counts
	for _, s := range r.Series {
		if s.Name == step || (step == "" && s.Name != load.SessionStep) {
			c.errors += s.Errors
			c.requests += s.Requests
		}
	}
	return c
}

func judgeLatency(m *Metric, b, n interval, conf float64) {
	m.BaseN, m.NewN = uint64(b.n), uint64(n.n)
	m.Base, m.New = b.point, n.point
	if b.hasLow {
		m.BaseLow = b.low
	}
	if b.hasHigh {
		m.BaseHigh = b.high
	}
	if n.hasLow {
		m.NewLow = n.low
	}
	if n.hasHigh {
		m.NewHigh = n.high
	}
	setDiff(m)
	switch {
	case b.noHist || n.noHist:
		m.Verdict, m.Reason = NotJudged, fmt.Sprintf("no latency histogram in %s (recorded before runs stored them)", side(b.noHist, n.noHist))
		return
	case b.n == 0 || n.n == 0:
		m.Verdict, m.Reason = NotJudged, fmt.Sprintf("no samples in %s", side(b.n == 0, n.n == 0))
		return
	case !b.judged || !n.judged:
		m.Verdict = NotJudged
		m.Reason = fmt.Sprintf("too few samples: %s needs at least %d per run at %s confidence (BASE %d, NEW %d)",
			m.Metric, minSamples(quantileOf(m.Metric), conf), pct(conf), b.n, n.n)
		return
	}
	rise := m.Diff > m.Bound.Absolute && m.Rel > m.Bound.Relative
	fall := -m.Diff > m.Bound.Absolute && -m.Rel > m.Bound.Relative
	up := n.low > b.high
	down := n.high < b.low
	change := fmt.Sprintf("%s %s (%s)", m.Metric, signedNs(m.Diff), relPct(m.Rel))
	ivs := fmt.Sprintf("BASE [%s, %s], NEW [%s, %s] at %s", fmtNs(b.low), fmtNs(b.high), fmtNs(n.low), fmtNs(n.high), pct(conf))
	switch {
	case up && rise:
		m.Verdict, m.Reason = Regression, fmt.Sprintf("%s: significant (%s) and over %s", change, ivs, m.Bound.String(m.Kind))
	case down && fall:
		m.Verdict, m.Reason = Improvement, fmt.Sprintf("%s: significant (%s) and over %s", change, ivs, m.Bound.String(m.Kind))
	case up || down:
		m.Verdict, m.Reason = OK, fmt.Sprintf("%s: significant (%s) but within %s", change, ivs, m.Bound.String(m.Kind))
	default:
		m.Verdict, m.Reason = OK, fmt.Sprintf("%s: within noise, the intervals overlap (%s)", change, ivs)
	}
}

// judgeErrors tests at confidence conf over a family of k error rates.
func judgeErrors(m *Metric, b, n counts, conf float64, k int) {
	m.BaseN, m.NewN = b.requests, n.requests
	if b.requests > 0 {
		m.Base = float64(b.errors) / float64(b.requests)
	}
	if n.requests > 0 {
		m.New = float64(n.errors) / float64(n.requests)
	}
	setDiff(m)
	if b.requests == 0 || n.requests == 0 {
		m.Verdict, m.Reason = NotJudged, fmt.Sprintf("no requests in %s", side(b.requests == 0, n.requests == 0))
		return
	}
	higher, lower, how := proportionTest(b.errors, b.requests, n.errors, n.requests, 1-(1-conf)/float64(max(k, 1)))
	change := fmt.Sprintf("error rate %.3g%% to %.3g%% (%+.3g points; %s)", m.Base*100, m.New*100, m.Diff*100, how)
	level := pct(conf)
	if k > 1 {
		level += fmt.Sprintf(" over the %d error rates compared", k)
	}
	switch {
	case higher && m.Diff > m.Bound.Absolute:
		m.Verdict, m.Reason = Regression, fmt.Sprintf("%s: significant at %s and over %s", change, level, m.Bound.String(m.Kind))
	case lower && -m.Diff > m.Bound.Absolute:
		m.Verdict, m.Reason = Improvement, fmt.Sprintf("%s: significant at %s and over %s", change, level, m.Bound.String(m.Kind))
	case higher || lower:
		m.Verdict, m.Reason = OK, fmt.Sprintf("%s: significant at %s but within %s", change, level, m.Bound.String(m.Kind))
	default:
		m.Verdict, m.Reason = OK, fmt.Sprintf("%s: not significant at %s", change, level)
	}
}

func setDiff(m *Metric) {
	m.Diff = m.New - m.Base
	if m.Base != 0 {
		m.Rel = m.Diff / m.Base
	}
}

func side(noBase, noNew bool) string {
	switch {
	case noBase && noNew:
		return "either run"
	case noBase:
		return "BASE"
	}
	return "NEW"
}

// fmtNs shows nanoseconds as a duration to 3 significant digits.
func fmtNs(v float64) string {
	d := time.Duration(math.Round(v))
	r := time.Duration(1)
	for d/r >= 1000 {
		r *= 10
	}
	return d.Round(r).String()
}

// relPct shows a relative change as a signed percentage, without an
// exponent however large.
func relPct(r float64) string {
	if math.Abs(r) >= 10 {
		return fmt.Sprintf("%+.0f%%", r*100)
	}
	return fmt.Sprintf("%+.3g%%", r*100)
}

func signedNs(v float64) string {
	if v < 0 {
		return "-" + fmtNs(-v)
	}
	return "+" + fmtNs(v)
}
