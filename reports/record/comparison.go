package record

// Comparison is an accept run's comparison of its load against a baseline
// run (accept --baseline): the baseline's measurements, so any report can
// draw both runs' distributions without the baseline's directory, and the
// judgement of package compare, computed once like every verdict of the
// record. The run's own side is the record's Load.
type Comparison struct {
	// Baseline says where the baseline was read from (its directory or
	// run.json), BaselineTool which loyalcheck made it.
	Baseline     string `json:"baseline"`
	BaselineTool string `json:"baseline_tool,omitempty"`
	// BaselineTarget is the target the baseline ran against ("the
	// embedded sandbox" for an embedded one).
	BaselineTarget string `json:"baseline_target,omitempty"`
	// Base is the baseline's load section, histograms included.
	Base *Load `json:"base"`
	// Confidence is the level of the significance tests (0..1), Method
	// states how significance was judged.
	Confidence float64          `json:"confidence"`
	Method     string           `json:"method"`
	Metrics    []ComparedMetric `json:"metrics"`
	// Rules is nil when neither run has contract results.
	Rules *RuleDiff `json:"rules,omitempty"`
	// Warnings say how the runs differ (rate, duration, target, steps).
	Warnings []string `json:"warnings"`
	// Regression is set when a metric regressed or a contract rule that
	// passed in the baseline fails in this run: the verdict fails.
	Regression bool `json:"regression"`
}

// MetricKind is what a compared metric measures.
type MetricKind string

// Kinds of compared metrics.
const (
	MetricLatency MetricKind = "latency"
	MetricErrors  MetricKind = "errors"
)

// ComparedFigures are what a comparison measured of one metric in both
// runs; package compare judges them (compare.Metric) and a record holds
// them with the judgement (ComparedMetric). Latencies are in
// nanoseconds, error rates are shares (0..1).
type ComparedFigures struct {
	// Name is METRIC(STEP), e.g. p99(retail), errors(session), or errors
	// over every step.
	Name   string     `json:"name"`
	Metric string     `json:"metric"`
	Step   string     `json:"step,omitempty"`
	Kind   MetricKind `json:"kind"`
	// BaseN and NewN count the samples (latency) or requests (errors).
	BaseN uint64  `json:"base_n"`
	NewN  uint64  `json:"new_n"`
	Base  float64 `json:"base"`
	New   float64 `json:"new"`
	// Diff is New-Base; Rel is Diff/Base, 0 when Base is 0.
	Diff float64 `json:"diff"`
	Rel  float64 `json:"rel"`
	// The confidence intervals of a latency quantile (0 when a bound does
	// not exist).
	BaseLow  float64 `json:"base_low,omitempty"`
	BaseHigh float64 `json:"base_high,omitempty"`
	NewLow   float64 `json:"new_low,omitempty"`
	NewHigh  float64 `json:"new_high,omitempty"`
}

// ComparedMetric is one compared metric as a record holds it.
type ComparedMetric struct {
	ComparedFigures
	// BoundRelative and BoundAbsolute are what the change had to exceed.
	BoundRelative float64 `json:"bound_relative,omitempty"`
	BoundAbsolute float64 `json:"bound_absolute"`
	// Verdict is ok, regression, improvement or not judged.
	Verdict string `json:"verdict"`
	Reason  string `json:"reason"`
}

// Verdicts of a compared metric, as package compare names them.
const (
	MetricRegression = "regression"
	MetricNotJudged  = "not judged"
)

// RuleDiff compares the contract rules two runs verified. Rule ids are
// sorted as SPEC numbers them (G2 before G10).
type RuleDiff struct {
	// Regressed rules passed in BASE and fail in NEW: a regression.
	Regressed []string `json:"regressed"`
	// Fixed rules failed in BASE and pass in NEW.
	Fixed []string `json:"fixed"`
	// StillFailing rules fail in both runs.
	StillFailing []string `json:"still_failing"`
	// NewlyFailing rules fail in NEW and were not verified in BASE: not a
	// regression of this build that the comparison can prove, but NEW's
	// own verdict fails on them.
	NewlyFailing []string `json:"newly_failing"`
	// Unverified rules were verified in BASE and not in NEW: what passed
	// before is not known to pass now.
	Unverified []string `json:"unverified"`
}
