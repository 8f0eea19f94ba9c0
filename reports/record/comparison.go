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

// ComparedMetric is one compared metric. Latencies are in nanoseconds,
// error rates are shares (0..1).
type ComparedMetric struct {
	// Name is METRIC(STEP), e.g. p99(retail), errors(session), or errors
	// over every step.
	Name   string `json:"name"`
	Metric string `json:"metric"`
	Step   string `json:"step,omitempty"`
	Kind   string `json:"kind"`
	// BaseN and NewN count the samples (latency) or requests (errors).
	BaseN uint64  `json:"base_n"`
	NewN  uint64  `json:"new_n"`
	Base  float64 `json:"base"`
	New   float64 `json:"new"`
	Diff  float64 `json:"diff"`
	Rel   float64 `json:"rel"`
	// The confidence intervals of a latency quantile (0 when a bound does
	// not exist).
	BaseLow  float64 `json:"base_low,omitempty"`
	BaseHigh float64 `json:"base_high,omitempty"`
	NewLow   float64 `json:"new_low,omitempty"`
	NewHigh  float64 `json:"new_high,omitempty"`
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

// RuleDiff compares the contract rules the two runs verified.
type RuleDiff struct {
	Regressed    []string `json:"regressed"`
	Fixed        []string `json:"fixed"`
	StillFailing []string `json:"still_failing"`
	NewlyFailing []string `json:"newly_failing"`
	Unverified   []string `json:"unverified"`
}
