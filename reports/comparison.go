package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"loyalcheck/compare"
)

// The comparison reports (`loyalcheck compare`) render a Comparison: two
// runs and the judgement of package compare. They are kept apart from the
// run Record: a comparison is not a run, and the record's shape does not
// change for it.

// Comparison is what the comparison reports render.
type Comparison struct {
	Base, New ComparedRun
	Result    *compare.Result
	// Made is when the comparison was made (now when zero).
	Made time.Time
}

func (c *Comparison) made() time.Time {
	if c.Made.IsZero() {
		return time.Now().UTC()
	}
	return c.Made.UTC()
}

// ComparedRun is one side of a comparison.
type ComparedRun struct {
	// Label says where the run was read from (its directory).
	Label string
	Run   *compare.Run
	// Elapsed is how long the run measured, for throughputs (0: unknown,
	// the asked duration is used).
	Elapsed time.Duration
	// Tool is the version of loyalcheck that made the run.
	Tool string
}

// ComparisonFormat is one format of the comparison reports: one row of
// the table `loyalcheck compare` reads, like FormatSpecs for a run.
type ComparisonFormat struct {
	Name  Format
	File  string
	About string
	Write func(io.Writer, *Comparison) error
}

// ComparisonFormats is the table of comparison formats, in the order
// WriteComparison writes them.
func ComparisonFormats() []ComparisonFormat {
	return []ComparisonFormat{
		{FormatText, "compare.txt", "the terminal report", renderCompareText},
		{FormatMarkdown, "compare.md", "Markdown for a pull-request comment", renderCompareMarkdown},
		{FormatJSON, "compare.json", "the figures and verdicts as JSON", renderCompareJSON},
		{FormatJUnit, "compare-junit.xml", "JUnit XML: one case per compared metric", renderCompareJUnit},
		{FormatHTML, "compare.html", "a self-contained page with the percentile-distribution plot", renderCompareHTML},
	}
}

// ComparisonFormatOf returns the row of format f.
func ComparisonFormatOf(f Format) (ComparisonFormat, bool) {
	for _, s := range ComparisonFormats() {
		if s.Name == f {
			return s, true
		}
	}
	return ComparisonFormat{}, false
}

// RenderComparison writes c in format f (see ComparisonFormats); only
// WithRedactor applies.
func RenderComparison(w io.Writer, c *Comparison, f Format, opts ...Option) error {
	if c == nil || c.Result == nil || c.Base.Run == nil || c.New.Run == nil {
		return fmt.Errorf("reports: no comparison")
	}
	s, ok := ComparisonFormatOf(f)
	if !ok {
		return fmt.Errorf("reports: no comparison format %q", f)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var buf bytes.Buffer
	if err := s.Write(&buf, c); err != nil {
		return err
	}
	out := buf.Bytes()
	if o.red != nil {
		out = o.red.Output(out)
	}
	_, err := w.Write(out)
	return err
}

// WriteComparison writes the given formats into dir (created if needed),
// each under its file name, and returns the path of each.
func WriteComparison(dir string, c *Comparison, formats []Format, opts ...Option) (map[Format]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	paths := map[Format]string{}
	for _, f := range formats {
		var buf bytes.Buffer
		if err := RenderComparison(&buf, c, f, opts...); err != nil {
			return paths, fmt.Errorf("reports: %s: %w", f, err)
		}
		s, _ := ComparisonFormatOf(f)
		p := filepath.Join(dir, s.File)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			return paths, fmt.Errorf("reports: %w", err)
		}
		paths[f] = p
	}
	return paths, nil
}

// figureUnit says how a figure is written.
type figureUnit int

const (
	unitCount figureUnit = iota
	unitLatency
	unitShare
	unitRate
)

// figure is one row of a series' side-by-side table.
type figure struct {
	Stat      string
	Unit      figureUnit
	Base, New float64
	HasBase   bool
	HasNew    bool
	// Metric is the judged metric of this row, nil when it is only shown.
	Metric *compare.Metric
}

func (f figure) diff() float64 { return f.New - f.Base }

func (f figure) rel() (float64, bool) {
	if !f.HasBase || !f.HasNew || f.Base == 0 {
		return 0, false
	}
	return f.diff() / f.Base, true
}

// seriesFigures is one step's (or sessions') table.
type seriesFigures struct {
	Name    string
	Figures []figure
}

// quantilesShown are the latency rows of every table.
var quantilesShown = []struct {
	stat string
	q    float64
}{{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p99.9", 0.999}}

// series builds the side-by-side tables, a series per step in the order
// the runs list them, then sessions, then the metrics over every step.
func (c *Comparison) series() []seriesFigures {
	var out []seriesFigures
	for _, name := range compare.SeriesNames(c.Base.Run, c.New.Run) {
		b, n := c.Base.Run.Find(name), c.New.Run.Find(name)
		sf := seriesFigures{Name: name}
		add := func(stat string, unit figureUnit, get func(*compare.Series, ComparedRun) (float64, bool)) {
			f := figure{Stat: stat, Unit: unit, Metric: c.metric(stat, name)}
			if b != nil {
				f.Base, f.HasBase = get(b, c.Base)
			}
			if n != nil {
				f.New, f.HasNew = get(n, c.New)
			}
			if m := f.Metric; m != nil && m.Verdict != compare.NotJudged {
				f.Base, f.New = m.Base, m.New // what was judged, to the digit
			}
			sf.Figures = append(sf.Figures, f)
		}
		add("count", unitCount, func(s *compare.Series, _ ComparedRun) (float64, bool) { return float64(s.Requests), true })
		for _, q := range quantilesShown {
			add(q.stat, unitLatency, func(s *compare.Series, _ ComparedRun) (float64, bool) { return quantile(s, q.q) })
		}
		add("max", unitLatency, func(s *compare.Series, _ ComparedRun) (float64, bool) {
			return float64(s.Max), s.Max > 0
		})
		add("errors", unitShare, func(s *compare.Series, _ ComparedRun) (float64, bool) {
			if s.Requests == 0 {
				return 0, false
			}
			return float64(s.Errors) / float64(s.Requests), true
		})
		add("throughput", unitRate, func(s *compare.Series, r ComparedRun) (float64, bool) {
			el := r.Elapsed
			if el <= 0 {
				el = r.Run.Duration
			}
			if el <= 0 {
				return 0, false
			}
			return float64(s.Requests) / el.Seconds(), true
		})
		out = append(out, sf)
	}
	return out
}

// metric finds the judged metric of a row, stat "errors" or pNN.
func (c *Comparison) metric(stat, step string) *compare.Metric {
	for i, m := range c.Result.Metrics {
		if m.Metric == stat && m.Step == step {
			return &c.Result.Metrics[i]
		}
	}
	return nil
}

// overall is the metrics judged over every step together.
func (c *Comparison) overall() []compare.Metric {
	var out []compare.Metric
	for _, m := range c.Result.Metrics {
		if m.Step == "" {
			out = append(out, m)
		}
	}
	return out
}

// quantile reads a quantile from a series' histogram, capped at its true
// maximum as the run's summary caps it.
func quantile(s *compare.Series, q float64) (float64, bool) {
	if s.Hist == nil || s.Hist.TotalCount() == 0 {
		return 0, false
	}
	v := float64(s.Hist.ValueAtQuantile(q * 100))
	if s.Max > 0 {
		v = math.Min(v, float64(s.Max))
	}
	return v, true
}

// value writes one side of a figure.
func (f figure) value(v float64, has bool) string {
	if !has {
		return "-"
	}
	switch f.Unit {
	case unitLatency:
		return fmtLatency(time.Duration(math.Round(v)))
	case unitShare:
		return fmtPct(v)
	case unitRate:
		return fmtNum(v) + "/s"
	}
	return fmt.Sprintf("%.0f", v)
}

// change writes the absolute and relative difference: "+1.2ms", "+8.5%".
func (f figure) change() (abs, rel string) {
	if !f.HasBase || !f.HasNew {
		return "-", "-"
	}
	d := f.diff()
	sign := "+"
	if d < 0 {
		sign = "-"
	}
	switch f.Unit {
	case unitLatency:
		abs = sign + fmtLatency(time.Duration(math.Abs(math.Round(d))))
		if d == 0 || abs == sign+"-" {
			abs = "0"
		}
	case unitShare:
		abs = fmt.Sprintf("%+.2f pt", d*100)
	case unitRate:
		abs = sign + fmtNum(math.Abs(d)) + "/s"
	default:
		abs = fmt.Sprintf("%+.0f", d)
	}
	rel = "-"
	if r, ok := f.rel(); ok {
		rel = fmt.Sprintf("%+.1f%%", r*100)
	}
	return abs, rel
}

// verdict is a figure's verdict word, "" when it is not judged.
func (f figure) verdict() string {
	if f.Metric == nil {
		return ""
	}
	return string(f.Metric.Verdict)
}

// runLine says what a side ran, for headers.
func runLine(r ComparedRun) string {
	s := fmt.Sprintf("%s: scenario %s, %s sessions/s for %s", r.Label, r.Run.Scenario, fmtNum(r.Run.Rate), r.Run.Duration)
	if r.Run.Target != "" {
		s += ", target " + r.Run.Target
	}
	if r.Tool != "" {
		s += ", loyalcheck " + r.Tool
	}
	return s
}

// verdictWord is the comparison's headline.
func (c *Comparison) verdictWord() string {
	if c.Result.Regression {
		return "REGRESSION"
	}
	return "NO REGRESSION"
}

// regressions lists the regressed metrics and rules, for headlines.
func (c *Comparison) regressions() []string {
	var out []string
	for _, m := range c.Result.Metrics {
		if m.Verdict == compare.Regression {
			out = append(out, m.Name+": "+m.Reason)
		}
	}
	if d := c.Result.Contract; d != nil {
		for _, id := range d.Regressed {
			out = append(out, "contract rule "+id+" passed in BASE and fails in NEW")
		}
	}
	return out
}

type compareJSON struct {
	Base   sideJSON         `json:"base"`
	New    sideJSON         `json:"new"`
	Result *compare.Result  `json:"result"`
	Series []seriesJSONView `json:"series"`
}

type sideJSON struct {
	Label    string  `json:"label"`
	Scenario string  `json:"scenario"`
	Target   string  `json:"target,omitempty"`
	Rate     float64 `json:"rate"`
	Duration float64 `json:"duration_s"`
	Elapsed  float64 `json:"elapsed_s,omitempty"`
	Tool     string  `json:"tool,omitempty"`
}

type seriesJSONView struct {
	Name    string       `json:"name"`
	Figures []figureJSON `json:"figures"`
}

// figureJSON holds latencies in nanoseconds, error rates as shares and
// throughputs per second; a side without the figure is null.
type figureJSON struct {
	Stat    string   `json:"stat"`
	Base    *float64 `json:"base"`
	New     *float64 `json:"new"`
	Diff    *float64 `json:"diff"`
	Rel     *float64 `json:"rel"`
	Verdict string   `json:"verdict,omitempty"`
	Reason  string   `json:"reason,omitempty"`
}

func side(r ComparedRun) sideJSON {
	return sideJSON{Label: r.Label, Scenario: r.Run.Scenario, Target: r.Run.Target, Rate: r.Run.Rate,
		Duration: r.Run.Duration.Seconds(), Elapsed: r.Elapsed.Seconds(), Tool: r.Tool}
}

func renderCompareJSON(w io.Writer, c *Comparison) error {
	out := compareJSON{Base: side(c.Base), New: side(c.New), Result: c.Result, Series: []seriesJSONView{}}
	ptr := func(v float64, ok bool) *float64 {
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	for _, s := range c.series() {
		v := seriesJSONView{Name: s.Name, Figures: []figureJSON{}}
		for _, f := range s.Figures {
			rel, ok := f.rel()
			fj := figureJSON{Stat: f.Stat, Base: ptr(f.Base, f.HasBase), New: ptr(f.New, f.HasNew),
				Diff: ptr(f.diff(), f.HasBase && f.HasNew), Rel: ptr(rel, ok), Verdict: f.verdict()}
			if f.Metric != nil {
				fj.Reason = f.Metric.Reason
			}
			v.Figures = append(v.Figures, fj)
		}
		out.Series = append(out.Series, v)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
