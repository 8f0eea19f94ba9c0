package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"loyalcheck/reports/record"
)

// The HTML report is one self-contained file: the CSS, the script and
// every chart (inline SVG, drawn by reports/chart) are inside it, so it
// opens from disk or an attachment with no network. It works for a record
// holding a contract result, a load result, both, and a capacity result.
//
// The page's script only adds to what is drawn: hover read-outs on the
// charts and a filter on the findings. It marks <html data-ready="1"> once
// it has run, and records any script error in <html data-errors>, which
// the browser test reads.

//go:embed html.tmpl
var htmlSource string

//go:embed report.css
var reportCSS string

//go:embed report.js
var reportJS string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

func renderHTML(w io.Writer, r *record.Record) error {
	var b strings.Builder
	if err := htmlTemplate.Execute(&b, buildView(r)); err != nil {
		return err
	}
	// The template escapes markup; this replaces the control characters
	// and invalid UTF-8 a server's answer may hold.
	_, err := io.WriteString(w, printable(b.String()))
	return err
}

type htmlView struct {
	Title      string
	CSS        template.CSS
	JS         template.JS
	Kind       string
	Pass       bool
	Verdict    string
	Reasons    []string
	Notes      []string
	Facts      []fact
	Tiles      []tile
	Thresholds []thresholdRow
	Contract   *contractView
	Load       *loadView
	Scenario   *record.ScenarioInfo
	Flows      []flowRow
	Arrival    string
	Capacity   *capacityView
	// The comparison against a baseline (accept --baseline), drawn as
	// compare draws it.
	HasComparison   bool
	Comparison      template.HTML
	ComparisonError string
	// ThresholdsAt says where the thresholds were measured when not over
	// the whole run (a capacity search's highest passing step).
	ThresholdsAt string
	Env          []fact
}

type fact struct{ Name, Value string }

// tile is one of the summary boxes under the verdict.
type tile struct {
	Title, Big, Small, Class, Href string
}

type thresholdRow struct {
	Expr, Measured, Limit, Class, Word string
	// Gauge draws the measured value against the limit: Fill and Mark are
	// percentages of the bar's width.
	Gauge      bool
	Fill, Mark float64
}

// gauge places a threshold's measured value and limit on one bar that
// reaches 15% past the larger; only for ordered comparisons of something
// measured.
func gauge(t record.ThresholdResult, row *thresholdRow) {
	if t.MeasuredText == "" || t.Limit <= 0 || t.Measured < 0 || !strings.ContainsAny(t.Op, "<>") {
		return
	}
	top := math.Max(t.Measured, t.Limit) * 1.15
	row.Gauge = true
	row.Fill = math.Round(t.Measured/top*1000) / 10
	row.Mark = math.Round(t.Limit/top*1000) / 10
}

func buildView(r *record.Record) *htmlView {
	v := &htmlView{
		Title:   fmt.Sprintf("loyalcheck %s: %s", r.Kind, r.Verdict.Word()),
		CSS:     template.CSS(reportCSS),
		JS:      template.JS(reportJS),
		Kind:    r.Kind,
		Pass:    r.Verdict.Pass,
		Verdict: r.Verdict.Word(),
		Reasons: r.Verdict.Reasons,
		Notes:   r.Verdict.Notes,
		Facts: []fact{
			{"Target", targetText(r.Target)},
			{"Started", fmtTime(r.Started)},
			{"Took", fmtDuration(r.Ended.Sub(r.Started))},
			{"Fixtures", fixturesText(r.Fixtures)},
		},
		Scenario: r.Scenario,
	}
	if r.Scenario != nil {
		v.Facts = append(v.Facts, fact{"Scenario", r.Scenario.Name})
		v.Flows = flowRows(r.Scenario)
		v.Arrival = arrivalTextOf(r)
	}
	for _, t := range r.Thresholds {
		row := thresholdRow{Expr: t.Expr, Measured: measuredText(t), Limit: t.Op + " " + limitText(t.Threshold), Class: "pass", Word: "PASS"}
		if !t.Pass {
			row.Class, row.Word = "fail", "FAIL"
		}
		gauge(t, &row)
		v.Thresholds = append(v.Thresholds, row)
	}
	if r.Contract != nil {
		v.Contract = buildContractView(r.Contract)
	}
	if r.Load != nil {
		v.Load = buildLoadView(r.Load)
	}
	if r.Capacity != nil {
		v.Capacity = buildCapacityView(r.Capacity)
		v.ThresholdsAt = thresholdsAt(r)
	}
	if r.Comparison != nil {
		v.HasComparison = true
		c, err := recordComparison(r)
		if err == nil {
			v.Comparison, err = comparisonSection(c)
		}
		if err != nil {
			v.ComparisonError = err.Error()
		}
	}
	v.Tiles = tiles(r, v)
	e := r.Environment
	v.Env = []fact{
		{"Tool", fmt.Sprintf("%s %s (built with %s)", r.Tool.Name, r.Tool.Version, r.Tool.GoVersion)},
		{"Run record", fmt.Sprintf("version %d, kind %s", r.Version, r.Kind)},
		{"Target", targetText(r.Target)},
		{"Host", e.Hostname},
		{"System", fmt.Sprintf("%s/%s, %d CPUs, %s", e.OS, e.Arch, e.CPUs, e.GoVersion)},
		{"Started", fmtTime(r.Started)},
		{"Ended", fmtTime(r.Ended)},
	}
	if r.Contract != nil {
		v.Env = append(v.Env, fact{"Contract profile", r.Contract.Profile})
	}
	if s := r.Load; s != nil {
		v.Env = append(v.Env, fact{"Load seed", fmt.Sprint(s.Seed)}, fact{"Schema validation", fmt.Sprintf("%s of responses (%d validated)", fmtPct(s.Validation.Fraction), s.Validation.Validated)})
	}
	return v
}

func tiles(r *record.Record, v *htmlView) []tile {
	var out []tile
	if c := r.Contract; c != nil {
		s := c.Summary
		t := tile{Title: "Contract", Big: fmt.Sprintf("%d / %d", s.Pass, s.Pass+s.Fail+s.Warn+s.Skip+s.NotInScope), Small: "checks pass" + problemsText(s), Class: "pass", Href: "#contract"}
		if n := len(c.IncompleteRules()); n > 0 {
			t.Small += fmt.Sprintf("; %s unverified", plural(n, "doc rule"))
		}
		switch {
		case s.Fail > 0 || len(c.IncompleteRules()) > 0:
			t.Class = "fail"
		case s.Warn > 0:
			t.Class = "warn"
		}
		out = append(out, t)
	}
	if l := r.Load; l != nil {
		t := tile{Title: "Load", Big: fmtLatency(l.Session.Latency.P99), Small: fmt.Sprintf("p99 per session; %d sessions, %.1f requests/s", l.Sessions.Started, l.RequestRate), Class: "pass", Href: "#load"}
		if len(l.Violations) > 0 || l.Interrupted {
			t.Class = "fail"
		} else if l.Total.Unexpected > 0 || l.Sessions.Dropped > 0 {
			t.Class = "warn"
		}
		out = append(out, t, ledgerTile(l.Ledger))
	}
	if c := r.Capacity; c != nil {
		t := tile{Title: "Capacity", Class: "pass", Href: "#capacity"}
		pass := c.PassingStep()
		switch {
		case c.Ledger.Failed:
			t.Big, t.Small, t.Class = "none", "the ledger audit "+ledgerFailure(c.Ledger)+": no figure stands", "fail"
		case !c.Found || pass == nil:
			t.Big, t.Small, t.Class = "none found", c.Stopped+": "+c.Note, "fail"
		default:
			t.Big = record.FormatRate(c.MaxPassing) + "/s"
			if c.FirstFailing == 0 {
				t.Big = "≥ " + t.Big
			}
			t.Small = fmt.Sprintf("sessions/s keeping the SLOs (%s requests/s); %s", fmtNum(c.MaxPassingRequests), firstFailingShort(c))
			if c.Failed {
				t.Class = "fail"
			}
		}
		out = append(out, t, ledgerTile(c.Ledger))
	}
	if n := len(r.Thresholds); n > 0 {
		p := thresholdsPassed(r.Thresholds)
		t := tile{Title: "Thresholds", Big: fmt.Sprintf("%d / %d", p, n), Small: "met", Class: "pass", Href: "#thresholds"}
		if v.ThresholdsAt != "" {
			t.Small = "met " + v.ThresholdsAt
		}
		if p < n {
			t.Class = "fail"
		}
		out = append(out, t)
	}
	return out
}

func ledgerTile(l record.Ledger) tile {
	lt := tile{Title: "Ledger", Big: "OK", Small: fmt.Sprintf("%d clients audited, none lost or double-spent", l.Clients), Class: "pass", Href: "#ledger"}
	switch {
	case l.Skipped != "":
		lt.Big, lt.Small, lt.Class = "not audited", l.Skipped, "warn"
	case len(ledgerGroups(l.Findings, "fail")) > 0:
		lt.Big, lt.Small, lt.Class = "FAIL", ledgerLine(l), "fail"
	case len(l.Findings) > 0:
		lt.Big, lt.Small, lt.Class = "warnings", ledgerLine(l), "warn"
	}
	return lt
}

// firstFailingShort is the first failing rate and what broke there, in
// few words.
func firstFailingShort(c *record.Capacity) string {
	if c.FirstFailing == 0 {
		return "no rate tried failed"
	}
	var why []string
	for _, r := range c.BrokenBy {
		why = append(why, shortReason(r))
	}
	return fmt.Sprintf("%s/s fails: %s", record.FormatRate(c.FirstFailing), strings.Join(why, "; "))
}

// problemsText is "; 8 fail, 7 warn, 1 skipped" without the zeros.
func problemsText(s record.CheckCounts) string {
	var parts []string
	if s.Fail > 0 {
		parts = append(parts, fmt.Sprintf("%d fail", s.Fail))
	}
	if s.Warn > 0 {
		parts = append(parts, fmt.Sprintf("%d warn", s.Warn))
	}
	if s.Skip > 0 {
		parts = append(parts, fmt.Sprintf("%d unverified", s.Skip))
	}
	if s.NotInScope > 0 {
		parts = append(parts, fmt.Sprintf("%d not in scope", s.NotInScope))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", ")
}

// arrivalText says how sessions arrive as the scenario configures it and,
// when the run overrode that, as it ran.
func arrivalText(sc *record.ScenarioInfo, s *record.Load) string {
	t := pacerText(sc.Pacer) + " at " + sc.Rate
	if sc.RampTo != "" {
		t += " rising to " + sc.RampTo
	}
	t += " for " + sc.Duration
	if s != nil && s.Duration.String() != sc.Duration {
		t += fmt.Sprintf(" (this run: %s for %s)", pacerText(s.Pacer), s.Duration)
	}
	return t
}

// arrivalTextOf is arrivalText, or what a capacity search did instead.
func arrivalTextOf(r *record.Record) string {
	if r.Capacity != nil && r.Load == nil {
		return "the capacity search replaced the scenario's arrival with constant rates, one per step (see Capacity)"
	}
	return arrivalText(r.Scenario, r.Load)
}

type flowRow struct {
	Name   string
	Weight float64
	Share  float64 // percent of all sessions
	Steps  []string
	Color  string
}

func flowRows(sc *record.ScenarioInfo) []flowRow {
	total := 0.0
	for _, f := range sc.Flows {
		total += f.Weight
	}
	var out []flowRow
	for i, f := range sc.Flows {
		share := 0.0
		if total > 0 {
			share = f.Weight / total * 100
		}
		out = append(out, flowRow{Name: f.Name, Weight: f.Weight, Share: math.Round(share*10) / 10, Steps: f.Steps, Color: flowColors[i%len(flowColors)]})
	}
	return out
}

var flowColors = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D31"}
