package reports

import (
	"fmt"
	"io"
	"strings"

	"loyalcheck/compare"
	"loyalcheck/reports/record"
)

// ComparedRecord reads one side of a comparison from a run record; label
// says where it was read from. It is the one place that knows which of the
// record's sections a comparison reads: compare's BASE and NEW, accept
// --baseline's baseline and its own run.
func ComparedRecord(label string, rec *record.Record) (ComparedRun, error) {
	out := ComparedRun{Label: label, Tool: rec.Tool.Version}
	run := &compare.Run{}
	switch s := rec.Load; {
	case s != nil:
		var err error
		if run, err = compare.FromLoad(s); err != nil {
			return out, fmt.Errorf("%s: %w", label, err)
		}
		for _, se := range run.Series {
			if se.Hist == nil && se.Requests > 0 {
				return out, fmt.Errorf("%s: run.json has no histograms (written by loyalcheck %s, before runs stored latency histograms): re-run it", label, rec.Tool.Version)
			}
		}
		out.Elapsed = s.Elapsed
	case rec.Capacity != nil:
		return out, fmt.Errorf("%s: a capacity search cannot be compared (compare load or accept runs)", label)
	case rec.Contract == nil:
		return out, fmt.Errorf("%s: the run holds no load and no contract results", label)
	}
	run.Target = comparedTarget(rec.Target)
	if rec.Contract != nil {
		run.Rules = map[string]bool{}
		for _, c := range rec.Contract.Coverage {
			switch c.State {
			case record.Verified, record.Warned:
				run.Rules[c.Rule] = true
			case record.Failed:
				run.Rules[c.Rule] = false
			}
		}
	}
	out.Run = run
	return out, nil
}

// comparedTarget names a run's target for a comparison: each embedded
// sandbox listens on a port of its own, the port is no difference between
// the runs.
func comparedTarget(t record.Target) string {
	if t.Embedded {
		return "the embedded sandbox"
	}
	return t.URL
}

// ComparisonRecord is c as a run record holds it (accept --baseline): the
// baseline's load section, so the reports draw both runs from the record
// alone, and the judgement.
func ComparisonRecord(c *Comparison, base *record.Record) *record.Comparison {
	res := c.Result
	out := &record.Comparison{Baseline: c.Base.Label, BaselineTool: c.Base.Tool, Base: base.Load,
		Confidence: res.Confidence, Method: res.Method, Metrics: []record.ComparedMetric{},
		Warnings: append([]string{}, res.Warnings...), Regression: res.Regression}
	if c.Base.Run != nil {
		out.BaselineTarget = c.Base.Run.Target
	}
	for _, m := range res.Metrics {
		out.Metrics = append(out.Metrics, record.ComparedMetric{ComparedFigures: m.ComparedFigures,
			BoundRelative: m.Bound.Relative, BoundAbsolute: m.Bound.Absolute, Verdict: string(m.Verdict), Reason: m.Reason})
	}
	if d := res.Contract; d != nil {
		rules := *d
		out.Rules = &rules
	}
	return out
}

// recordComparison rebuilds the comparison a run record holds, for its
// reports; nil when it holds none.
func recordComparison(r *record.Record) (*Comparison, error) {
	rc := r.Comparison
	if rc == nil {
		return nil, nil
	}
	if rc.Base == nil || r.Load == nil {
		return nil, fmt.Errorf("comparison: the record lacks the baseline's or its own load")
	}
	base, err := compare.FromLoad(rc.Base)
	if err != nil {
		return nil, fmt.Errorf("comparison: baseline: %w", err)
	}
	base.Target = rc.BaselineTarget
	newer, err := compare.FromLoad(r.Load)
	if err != nil {
		return nil, fmt.Errorf("comparison: this run: %w", err)
	}
	newer.Target = comparedTarget(r.Target)
	res := &compare.Result{Confidence: rc.Confidence, Method: rc.Method, Warnings: rc.Warnings, Regression: rc.Regression}
	for _, m := range rc.Metrics {
		res.Metrics = append(res.Metrics, compare.Metric{ComparedFigures: m.ComparedFigures,
			Bound: compare.Bound{Relative: m.BoundRelative, Absolute: m.BoundAbsolute}, Verdict: compare.Verdict(m.Verdict), Reason: m.Reason})
	}
	if d := rc.Rules; d != nil {
		rules := *d
		res.Contract = &rules
	}
	return &Comparison{
		Base:   ComparedRun{Label: rc.Baseline, Run: base, Elapsed: rc.Base.Elapsed, Tool: rc.BaselineTool},
		New:    ComparedRun{Label: "this run", Run: newer, Elapsed: r.Load.Elapsed, Tool: r.Tool.Version},
		Result: res, Made: r.Ended,
	}, nil
}

// comparisonRegressions lists what regressed against the baseline, for
// the verdict: the metrics by name, then the contract rules.
func comparisonRegressions(rc *record.Comparison) []string {
	var out []string
	for _, m := range rc.Metrics {
		if m.Verdict == record.MetricRegression {
			out = append(out, m.Name)
		}
	}
	if d := rc.Rules; d != nil {
		for _, id := range d.Regressed {
			out = append(out, "rule "+id)
		}
	}
	return out
}

// comparisonText renders a record's comparison with one of the
// comparison's text renderers, for a section of the run's text or
// Markdown report; what cannot be shown is said in its place.
func comparisonText(r *record.Record, render func(io.Writer, *Comparison) error) string {
	var b strings.Builder
	c, err := recordComparison(r)
	if err == nil {
		err = render(&b, c)
	}
	if err != nil {
		return "The comparison cannot be shown: " + err.Error() + "\n"
	}
	return b.String()
}

// junitComparison is the comparison's suite among the run's: one case per
// compared metric. A comparison that cannot be shown is one failing case:
// what could not be verified is never reported as passed.
func junitComparison(r *record.Record) junitSuite {
	c, err := recordComparison(r)
	if err == nil {
		return compareJUnitSuite(c)
	}
	j := &junitBuilder{suite: junitSuite{Name: "loyalcheck.compare", Package: "loyalcheck", Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05"), Hostname: "localhost", Time: "0"}, names: map[string]int{}}
	j.add(junitCase{Name: "comparison", Classname: "compare", Failure: newFailure(oneLine(err.Error()), "error", err.Error())})
	return j.done()
}
