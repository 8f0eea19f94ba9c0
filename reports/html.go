package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"loyalcheck/api"
	"loyalcheck/contract"
	"loyalcheck/load"
	"loyalcheck/reports/chart"
)

// The HTML report is one self-contained file: the CSS, the script and
// every chart (inline SVG drawn here) are inside it, so it opens from disk
// or an attachment with no network. It works for a record holding a
// contract result, a load result, both, and a capacity result.
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

func renderHTML(w io.Writer, r *Record) error {
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
	Scenario   *ScenarioInfo
	Flows      []flowRow
	Arrival    string
	Capacity   *capacityView
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
func gauge(t load.ThresholdResult, row *thresholdRow) {
	if t.MeasuredText == "" || t.Limit <= 0 || t.Measured < 0 || !strings.ContainsAny(t.Op, "<>") {
		return
	}
	top := math.Max(t.Measured, t.Limit) * 1.15
	row.Gauge = true
	row.Fill = math.Round(t.Measured/top*1000) / 10
	row.Mark = math.Round(t.Limit/top*1000) / 10
}

func buildView(r *Record) *htmlView {
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

func tiles(r *Record, v *htmlView) []tile {
	var out []tile
	if c := r.Contract; c != nil {
		s := summaryOf(c)
		t := tile{Title: "Contract", Big: fmt.Sprintf("%d / %d", s.Pass, s.Pass+s.Fail+s.Warn+s.Skip+s.NotInScope), Small: "checks pass" + problemsText(s), Class: "pass", Href: "#contract"}
		if n := len(c.IncompleteRules()); n > 0 {
			t.Small += fmt.Sprintf("; %s unverified", plural(n, "doc rule"))
		}
		switch {
		case s.Fail > 0 || c.Incomplete():
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
		} else if l.Totals().Unexpected > 0 || l.Sessions.Dropped > 0 {
			t.Class = "warn"
		}
		out = append(out, t, ledgerTile(l.Ledger))
	}
	if c := r.Capacity; c != nil {
		t := tile{Title: "Capacity", Class: "pass", Href: "#capacity"}
		pass := passingStep(c)
		switch {
		case c.Ledger.Failed():
			t.Big, t.Small, t.Class = "none", "the ledger audit "+ledgerFailure(c.Ledger)+": no figure stands", "fail"
		case !c.Found || pass == nil:
			t.Big, t.Small, t.Class = "none found", c.Stopped+": "+c.Note, "fail"
		default:
			t.Big = load.FormatRate(c.MaxPassing) + "/s"
			if c.FirstFailing == 0 {
				t.Big = "≥ " + t.Big
			}
			t.Small = fmt.Sprintf("sessions/s keeping the SLOs (%s requests/s); %s", fmtNum(c.MaxPassingRequests), firstFailingShort(c))
			if c.Failed() {
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

func ledgerTile(l load.LedgerReport) tile {
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
func firstFailingShort(c *load.CapacityResult) string {
	if c.FirstFailing == 0 {
		return "no rate tried failed"
	}
	var why []string
	for _, r := range c.BrokenBy {
		why = append(why, shortReason(r))
	}
	return fmt.Sprintf("%s/s fails: %s", load.FormatRate(c.FirstFailing), strings.Join(why, "; "))
}

// problemsText is "; 8 fail, 7 warn, 1 skipped" without the zeros.
func problemsText(s contract.Summary) string {
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
func arrivalText(sc *ScenarioInfo, s *load.Summary) string {
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
func arrivalTextOf(r *Record) string {
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

func flowRows(sc *ScenarioInfo) []flowRow {
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

// --- contract ---

type contractView struct {
	Summary  contract.Summary
	Rules    string
	Coverage []coverageRow
	Accepted string
	Profile  string
	Took     string
	Columns  []string
	Areas    []matrixArea
	Findings []findingRow
	Problems int
	ColSpan  int
}

type coverageRow struct {
	Class, State, Rules, Reason string
}

type matrixArea struct {
	Area string
	Rows []matrixRow
}

type matrixRow struct {
	Rule, Kind, Summary, Class, Href string
	Cells                            []matrixCell
}

type matrixCell struct {
	Class, Text, Title, Href string
}

// findingRow is one check on a rule; Cases are its findings (Multi when
// it tried more than one), each with the exchanges it rests on.
type findingRow struct {
	Anchor, Status, Rule, Kind, Check, Area, Endpoint, Message string
	Multi                                                      bool
	Cases                                                      []caseView
}

type caseView struct {
	Status, Message string
	Evidence        []evidenceView
}

type evidenceView struct {
	Label, Head, Request, Response, Note string
}

// otherColumn holds findings that concern no single call.
const otherColumn = "whole run"

func statusRank(s contract.Status) int {
	switch s {
	case contract.Fail:
		return 4
	case contract.Warn:
		return 3
	case contract.Pass:
		return 2
	case contract.Skip:
		return 1
	}
	return 0
}

func buildContractView(c *contract.Result) *contractView {
	cv := &contractView{Summary: summaryOf(c), Rules: rulesText(c), Profile: c.Profile, Took: fmtDuration(c.Ended.Sub(c.Started)),
		Accepted: strings.Join(c.AcceptUnverified, ",")}
	for _, n := range contract.CoverageNotes(contract.CoverageOf(c)) {
		class := "skip"
		if n.State == contract.Unverified {
			class = "fail"
		}
		cv.Coverage = append(cv.Coverage, coverageRow{Class: class, State: n.Label(), Rules: n.RuleList(), Reason: n.Reason})
	}
	for _, e := range api.Endpoints() {
		cv.Columns = append(cv.Columns, string(e))
	}
	cv.Columns = append(cv.Columns, otherColumn)
	cv.ColSpan = len(cv.Columns) + 2
	col := map[string]int{}
	for i, name := range cv.Columns {
		col[name] = i
	}

	// The findings list: one row per check on a rule, in area order, its
	// cases (and their exchanges) as its evidence; the first check of each
	// rule is the matrix's link target.
	first := map[string]string{}
	cells := map[string][]*cellAgg{}
	unknown := map[string]bool{}
	for _, g := range byArea(c.Findings) {
		for _, ch := range g.Checks {
			anchor := fmt.Sprintf("f%d", len(cv.Findings)+1)
			if _, ok := first[ch.Rule]; !ok {
				first[ch.Rule] = anchor
			}
			cases := ch.ProblemCases()
			row := findingRow{Anchor: anchor, Status: string(ch.Status), Rule: ch.Rule, Kind: string(ch.Kind), Check: ch.Check, Area: ch.Area,
				Endpoint: endpointOf(cases[0]), Message: cases[0].Message, Multi: len(ch.Cases) > 1}
			if row.Multi {
				row.Message = fmt.Sprintf("%d of %d cases %s", len(cases), len(ch.Cases), caseVerb(ch.Status))
			}
			if ch.Status != contract.Pass {
				cv.Problems++
			}
			for _, f := range ch.Cases {
				cs := caseView{Status: string(f.Status), Message: f.Message}
				if f.Evidence != nil {
					cs.Evidence = append(cs.Evidence, evidenceViewOf("Evidence", f.Evidence))
				}
				for i := range f.Trail {
					cs.Evidence = append(cs.Evidence, evidenceViewOf(fmt.Sprintf("Earlier exchange %d", i+1), &f.Trail[i]))
				}
				row.Cases = append(row.Cases, cs)
			}
			cv.Findings = append(cv.Findings, row)
			for _, f := range ch.Cases {
				cellOf(cells, unknown, f, anchor, col, len(cv.Columns))
			}
		}
	}
	rules := api.Rules()
	for _, id := range sortedKeys(unknown) {
		rules = append(rules, api.Rule{ID: id, Kind: "?", Area: "other", Summary: "(not in this build's rule catalogue)"})
	}
	areaIdx := map[string]int{}
	for _, r := range rules {
		i, ok := areaIdx[r.Area]
		if !ok {
			i = len(cv.Areas)
			areaIdx[r.Area] = i
			cv.Areas = append(cv.Areas, matrixArea{Area: r.Area})
		}
		row := matrixRow{Rule: r.ID, Kind: string(r.Kind), Summary: r.Summary, Class: "none", Href: "#" + first[r.ID]}
		if first[r.ID] == "" {
			row.Href = ""
		}
		worst := contract.Status("")
		for ci := range cv.Columns {
			var a *cellAgg
			if cells[r.ID] != nil {
				a = cells[r.ID][ci]
			}
			if a == nil {
				row.Cells = append(row.Cells, matrixCell{Class: "none"})
				continue
			}
			if statusRank(a.worst) > statusRank(worst) {
				worst = a.worst
			}
			text := map[contract.Status]string{contract.Pass: "✓", contract.Fail: "✗", contract.Warn: "!", contract.Skip: "–"}[a.worst]
			row.Cells = append(row.Cells, matrixCell{Class: string(a.worst), Text: text, Title: strings.Join(a.lines, "\n"), Href: a.href})
		}
		if worst != "" {
			row.Class = string(worst)
		}
		cv.Areas[i].Rows = append(cv.Areas[i].Rows, row)
	}
	return cv
}

// cellAgg is one cell of the rule matrix: the worst status of the cases
// in it, a line per case for its title, and the check its link targets.
type cellAgg struct {
	worst contract.Status
	lines []string
	href  string
}

// cellOf adds a case to the matrix cells of its rule.
func cellOf(cells map[string][]*cellAgg, unknown map[string]bool, f contract.Finding, anchor string, col map[string]int, ncol int) {
	if cells[f.Rule] == nil {
		cells[f.Rule] = make([]*cellAgg, ncol)
		if _, known := api.RuleByID(f.Rule); !known {
			unknown[f.Rule] = true
		}
	}
	for _, ci := range findingColumns(f, col) {
		a := cells[f.Rule][ci]
		if a == nil {
			a = &cellAgg{href: "#" + anchor}
			cells[f.Rule][ci] = a
		}
		if statusRank(f.Status) > statusRank(a.worst) {
			a.worst = f.Status
			a.href = "#" + anchor
		}
		a.lines = append(a.lines, fmt.Sprintf("%s %s: %s", strings.ToUpper(string(f.Status)), f.Check, oneLine(f.Message)))
	}
}

func caseVerb(s contract.Status) string {
	switch s {
	case contract.Fail:
		return "failed"
	case contract.Warn:
		return "warned"
	case contract.Skip:
		return "skipped"
	}
	return "passed"
}

// findingColumns returns the matrix columns a finding counts in: the
// whole-run column for the general and ledger rules (they hold for every
// call, not for the endpoint a check happened to use), else every
// endpoint its evidence and trail called, else its area's endpoint, else
// the whole-run column.
func findingColumns(f contract.Finding, col map[string]int) []int {
	if f.Area == api.AreaGeneral || f.Area == api.AreaLedger {
		return []int{col[otherColumn]}
	}
	var out []int
	seen := map[int]bool{}
	addEp := func(ep string) {
		if ci, ok := col[ep]; ok && ep != otherColumn && !seen[ci] {
			seen[ci] = true
			out = append(out, ci)
		}
	}
	if f.Evidence != nil {
		addEp(f.Evidence.Endpoint)
	}
	for _, e := range f.Trail {
		addEp(e.Endpoint)
	}
	if len(out) == 0 {
		addEp(f.Area) // e.g. a search check that kept no evidence
	}
	if len(out) == 0 {
		out = append(out, col[otherColumn])
	}
	sort.Ints(out)
	return out
}

func evidenceViewOf(label string, e *contract.Evidence) evidenceView {
	method := e.Method
	if method == "" {
		method = "POST"
	}
	ev := evidenceView{Label: label, Head: fmt.Sprintf("%s %s → HTTP %d", method, e.URL, e.Status), Note: e.Note}
	if e.KeySent != "" {
		ev.Head += " (apikey sent: " + e.KeySent + ")"
	}
	if len(e.Request) > 0 {
		ev.Request = pretty(e.Request)
	}
	if len(e.Body) > 0 {
		ev.Response = pretty(e.Body)
	}
	return ev
}

// --- load ---

type loadView struct {
	Facts       []fact
	Steps       []stepRow
	Percentiles template.HTML
	Latency     template.HTML
	Session     template.HTML
	Throughput  template.HTML
	Errors      template.HTML
	Violations  []load.ViolationCount
	Unexpected  []unexpectedRow
	Contention  *contentionView
	Ledger      ledgerView
	Interrupted bool
}

type stepRow struct {
	Name, Color, Requests, Rate, Success, Refused, Errors, Violations string
	P50, P90, P95, P99, P999, Max, Mean                               string
	Session, Bad                                                      bool
}

type unexpectedRow struct {
	Step, Error string
	Count       uint64
}

type contentionView struct {
	Facts []fact
	Chart template.HTML
}

type ledgerView struct {
	Class, Word, Line, Lead string
	Stats                   []fact
	Findings                []load.LedgerFinding
	Uncertain               uint64
}

func buildLoadView(s *load.Summary) *loadView {
	ss := s.Sessions
	lv := &loadView{
		Facts: []fact{
			{"Scenario", s.Scenario},
			{"Pacer", pacerText(s.Pacer)},
			{"Duration", fmt.Sprintf("%s of session starts; took %s with drain and audit", s.Duration, fmtDuration(s.Elapsed))},
			{"Session rate", fmt.Sprintf("%.1f/s asked, %.1f/s achieved", s.AskedRate, s.AchievedRate)},
			{"Requests", fmt.Sprintf("%.1f/s over all steps", s.RequestRate)},
			{"Sessions", fmt.Sprintf("%d scheduled, %d started, %d completed, %d failed, %d dropped, %d aborted", ss.Scheduled, ss.Started, ss.Completed, ss.Failed, ss.Dropped, ss.Aborted)},
			{"Concurrency", fmt.Sprintf("peak %d sessions in flight (cap %d)", ss.PeakFlight, ss.MaxInFlight)},
		},
		Violations:  s.Violations,
		Interrupted: s.Interrupted,
	}
	for i, m := range stepRows(s) {
		l := m.Latency
		lv.Steps = append(lv.Steps, stepRow{
			Name: rowName(m), Color: chart.StepColor(m.Name, i),
			Requests: fmt.Sprint(m.Requests), Rate: fmt.Sprintf("%.1f", m.Rate), Success: fmtPct(m.Success),
			Refused: fmt.Sprint(m.Refused), Errors: fmt.Sprint(m.Unexpected), Violations: fmt.Sprint(m.Violations),
			P50: fmtMs(l.P50), P90: fmtMs(l.P90), P95: fmtMs(l.P95), P99: fmtMs(l.P99), P999: fmtMs(l.P999), Max: fmtMs(l.Max), Mean: fmtMs(l.Mean),
			Session: m.Name == "session", Bad: m.Unexpected > 0 || m.Violations > 0,
		})
		for _, e := range m.Errors {
			lv.Unexpected = append(lv.Unexpected, unexpectedRow{Step: m.Name, Error: e.Error, Count: e.Count})
		}
	}
	lv.Percentiles = template.HTML(percentileChart(s))
	tl := timelineOf(s)
	lv.Latency = template.HTML(tl.latencyChart())
	lv.Session = template.HTML(tl.sessionChart())
	lv.Throughput = template.HTML(tl.throughputChart())
	lv.Errors = template.HTML(tl.errorChart())
	if c := s.Contention; c != nil {
		lv.Contention = &contentionView{
			Facts: []fact{
				{"Hot clients", fmt.Sprint(c.HotClients)},
				{"Holds", fmt.Sprintf("%d accepted, %d refused", c.HoldsAccepted, c.HoldsRefused)},
				{"Spends", fmt.Sprintf("%d accepted, %d refused", c.SpendsAccepted, c.SpendsRefused)},
			},
			Chart: template.HTML(contentionChart(c)),
		}
	}
	lv.Ledger = buildLedgerView(s.Ledger)
	return lv
}

func buildLedgerView(l load.LedgerReport) ledgerView {
	v := ledgerView{Class: "pass", Word: "OK", Line: ledgerLine(l), Findings: l.Findings, Uncertain: l.Uncertain,
		Lead: "After the run every client's balance was compared with the harness's own books: a point lost (L1), spent twice (L2) or held forever (L3) shows here."}
	switch {
	case l.Skipped != "":
		v.Class, v.Word = "warn", "NOT AUDITED"
	case len(ledgerGroups(l.Findings, "fail")) > 0:
		v.Class, v.Word = "fail", "FAIL"
	case len(l.Findings) > 0:
		v.Class, v.Word = "warn", "WARNINGS"
	}
	v.Stats = []fact{
		{"Clients audited", fmt.Sprint(l.Clients)},
		{"Clients touched", fmt.Sprint(l.Touched)},
		{"Points spent", fmtNum(l.Spent)},
		{"Points earned", fmtNum(l.Earned)},
		{"Holds", fmt.Sprint(l.Holds)},
		{"Released", fmt.Sprint(l.Released)},
		{"Unanswered requests", fmt.Sprint(l.Uncertain)},
	}
	return v
}

// percentileChart draws p50, p90, p99 and p99.9 of each step as grouped
// bars (the whole session, much longer, is in the table and has its own
// chart over time).
func percentileChart(s *load.Summary) string {
	var groups []string
	ps := []chart.Series{
		{Name: "p50", Color: "#9ecae1"},
		{Name: "p90", Color: "#6baed6"},
		{Name: "p99", Color: "#2171b5"},
		{Name: "p99.9", Color: "#08306b"},
	}
	for _, m := range s.Steps {
		groups = append(groups, m.Name)
		l := m.Latency
		for i, d := range []time.Duration{l.P50, l.P90, l.P99, l.P999} {
			v := math.NaN()
			if m.Requests > 0 {
				v = float64(d) / 1e6
			}
			ps[i].Y = append(ps[i].Y, v)
		}
	}
	c := chart.Bar{ID: "chart-percentiles", Title: "Latency percentiles per step, in milliseconds", YLabel: "latency (ms)", Groups: groups, Series: ps, W: 960, H: 320, Value: fmtNum}
	return c.SVG()
}

func contentionChart(c *load.Contention) string {
	var groups []string
	hot := chart.Series{Name: "p99 on hot clients", Color: "#D55E00"}
	cold := chart.Series{Name: "p99 on the other clients", Color: "#0072B2"}
	for i, h := range c.Hot {
		groups = append(groups, h.Step)
		hv, cv := math.NaN(), math.NaN()
		if h.Latency.Count > 0 {
			hv = float64(h.Latency.P99) / 1e6
		}
		if i < len(c.Cold) && c.Cold[i].Latency.Count > 0 {
			cv = float64(c.Cold[i].Latency.P99) / 1e6
		}
		hot.Y, cold.Y = append(hot.Y, hv), append(cold.Y, cv)
	}
	ch := chart.Bar{ID: "chart-contention", Title: "p99 latency per step on hot clients and on the others, in milliseconds", YLabel: "p99 latency (ms)", Groups: groups, Series: []chart.Series{hot, cold}, W: 960, H: 280, Value: fmtNum}
	return ch.SVG()
}

// timeline is the per-second data of a run, gaps filled, possibly
// coarsened to keep long runs' charts light.
type timeline struct {
	x        []float64 // seconds since start, bucket start
	width    float64   // seconds per bucket
	steps    []string
	reqs     map[string][]float64 // requests per second
	errs     map[string][]float64 // unexpected outcomes per second
	p99      map[string][]float64 // ms; NaN where nothing ran
	sessions []float64            // sessions ended per second
	sessP99  []float64
	// partial is set when the last point covers less than its width (the
	// run's last, unfinished second): its rates are not comparable.
	partial bool
}

// maxChartPoints bounds the points per line.
const maxChartPoints = 300

func timelineOf(s *load.Summary) *timeline {
	t := &timeline{width: 1, reqs: map[string][]float64{}, errs: map[string][]float64{}, p99: map[string][]float64{}}
	for _, m := range s.Steps {
		t.steps = append(t.steps, m.Name)
	}
	known := map[string]bool{}
	for _, n := range t.steps {
		known[n] = true
	}
	for _, b := range s.Timeline { // a step seen only in the timeline
		for _, k := range sortedKeys(b.Requests) {
			if !known[k] {
				known[k] = true
				t.steps = append(t.steps, k)
			}
		}
	}
	if len(s.Timeline) == 0 {
		return t
	}
	last := 0
	for _, b := range s.Timeline {
		last = max(last, b.Second)
	}
	width := 1
	for (last+1)/width > maxChartPoints {
		width *= 2
	}
	t.width = float64(width)
	n := last/width + 1
	for _, st := range t.steps {
		t.reqs[st] = make([]float64, n)
		t.errs[st] = make([]float64, n)
		t.p99[st] = nanSlice(n)
	}
	t.sessions = make([]float64, n)
	t.sessP99 = nanSlice(n)
	for i := range n {
		t.x = append(t.x, float64(i*width))
	}
	if el := s.Elapsed.Seconds(); el > 0 && el < float64((n-1)*width)+t.width {
		t.partial = true
	}
	for _, b := range s.Timeline {
		if b.Second < 0 {
			continue
		}
		i := b.Second / width
		for st, v := range b.Requests {
			if _, ok := t.reqs[st]; ok {
				t.reqs[st][i] += float64(v) / t.width
			}
		}
		for st, v := range b.Errors {
			if _, ok := t.errs[st]; ok {
				t.errs[st][i] += float64(v) / t.width
			}
		}
		for st, v := range b.P99Ms {
			if p, ok := t.p99[st]; ok && (math.IsNaN(p[i]) || v > p[i]) {
				p[i] = v
			}
		}
		t.sessions[i] += float64(b.Sessions) / t.width
		if b.Sessions > 0 && (math.IsNaN(t.sessP99[i]) || b.SessionP99 > t.sessP99[i]) {
			t.sessP99[i] = b.SessionP99
		}
	}
	return t
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

func (t *timeline) xLabel() string {
	if t.width > 1 {
		return fmt.Sprintf("seconds since the start (%g s per point)", t.width)
	}
	return "seconds since the start"
}

func (t *timeline) latencyChart() string {
	c := chart.Line{ID: "chart-latency", Title: "p99 latency of each step over time, in milliseconds", XLabel: t.xLabel(), YLabel: "p99 latency (ms)", YUnit: " ms", X: t.x, W: 960, H: 300}
	for i, st := range t.steps {
		c.Series = append(c.Series, chart.Series{Name: st, Color: chart.StepColor(st, i), Y: t.p99[st]})
	}
	return c.SVG()
}

func (t *timeline) sessionChart() string {
	c := chart.Line{ID: "chart-session", Title: "p99 latency of whole sessions over time, in milliseconds", XLabel: t.xLabel(), YLabel: "session p99 (ms)", YUnit: " ms", X: t.x, W: 960, H: 240,
		Series: []chart.Series{{Name: "whole session p99", Color: chart.StepColor("session", 0), Y: t.sessP99}}}
	return c.SVG()
}

func (t *timeline) throughputChart() string {
	c := chart.Line{ID: "chart-throughput", Title: "Requests per second of each step, and sessions per second, over time", XLabel: t.xLabel(), YLabel: "per second", YUnit: "/s", X: t.x, W: 960, H: 300,
		Series: t.throughputSeries()}
	return c.SVG()
}

// throughputSeries are the rates per step and of sessions; the run's last,
// partial second is left out: drawn as a whole one, it would show a drop
// in throughput that never happened.
func (t *timeline) throughputSeries() []chart.Series {
	cut := func(y []float64) []float64 {
		if !t.partial || len(y) == 0 {
			return y
		}
		out := append([]float64{}, y...)
		out[len(out)-1] = math.NaN()
		return out
	}
	var ss []chart.Series
	for i, st := range t.steps {
		ss = append(ss, chart.Series{Name: st + " requests", Color: chart.StepColor(st, i), Y: cut(t.reqs[st])})
	}
	return append(ss, chart.Series{Name: "sessions ended", Color: chart.StepColor("session", 0), Dashed: true, Y: cut(t.sessions)})
}

func (t *timeline) errorChart() string {
	c := chart.Line{ID: "chart-errors", Title: "Unexpected outcomes per second of each step, over time", XLabel: t.xLabel(), YLabel: "errors per second", YUnit: "/s", X: t.x, W: 960, H: 220,
		Stacked: true, Empty: "no unexpected outcome during the whole run"}
	for i, st := range t.steps {
		c.Series = append(c.Series, chart.Series{Name: st, Color: chart.StepColor(st, i), Y: t.errs[st]})
	}
	// Keep the legend to the steps that had errors, when some had.
	var bad []chart.Series
	for _, s := range c.Series {
		for _, v := range s.Y {
			if v > 0 {
				bad = append(bad, s)
				break
			}
		}
	}
	if len(bad) > 0 {
		c.Series = bad
	}
	return c.SVG()
}

// --- capacity ---

type capacityView struct {
	Class, Big, Unit, Headline string
	Facts                      []fact
	Latency, Errors, Rates     template.HTML
	Steps                      []capacityRow
	Ledger                     ledgerView
}

type capacityRow struct {
	N, Phase, Length, Asked, Achieved, Requests, Sessions string
	P50, P99, P999, Errors, Violations, Dropped           string
	Status, Word, Knee                                    string
	Reasons                                               []string
}

// Colours of the capacity charts (Okabe-Ito, as the steps'); green and
// red mark the knee.
const (
	colorP50       = "#56B4E9"
	colorP99       = "#0072B2"
	colorP999      = "#CC79A7"
	colorErrors    = "#D55E00"
	colorRequests  = "#E69F00"
	colorCapacity  = "#1a7f37"
	colorFailing   = "#cf222e"
	colorNeutral   = "#57606a"
	capacityChartW = 960
)

func buildCapacityView(c *load.CapacityResult) *capacityView {
	v := &capacityView{Class: "pass", Headline: capacityHeadline(c), Unit: "sessions/s"}
	pass := passingStep(c)
	switch {
	case c.Ledger.Failed():
		v.Class, v.Big, v.Unit = "fail", "no figure", "the ledger audit "+ledgerFailure(c.Ledger)
	case !c.Found || pass == nil:
		v.Class, v.Big, v.Unit = "fail", "none found", c.Stopped
	default:
		v.Big = load.FormatRate(c.MaxPassing)
		if c.FirstFailing == 0 {
			v.Big = "≥ " + v.Big
		}
		v.Unit = fmt.Sprintf("sessions/s · %s requests/s", fmtNum(c.MaxPassingRequests))
		if c.Failed() {
			v.Class = "fail"
		}
	}
	v.Facts = []fact{
		{"Scenario", c.Scenario},
		{"SLOs", sloText(c)},
		{"Search", searchText(c)},
		{"Stopped", c.Stopped + ": " + c.Note},
		{"Steps", fmt.Sprintf("%d, in %s with the ledger audit", len(c.Steps), fmtDuration(c.Elapsed))},
	}
	if pass != nil {
		v.Facts = append(v.Facts, fact{"Highest passing", fmt.Sprintf("%s sessions/s, %s requests/s (step %d, %s)", load.FormatRate(c.MaxPassing), fmtNum(c.MaxPassingRequests), pass.N, pass.Duration)})
	}
	if c.FirstFailing > 0 {
		v.Facts = append(v.Facts, fact{"First failing", fmt.Sprintf("%s sessions/s, %s requests/s: %s", load.FormatRate(c.FirstFailing), fmtNum(c.FirstFailingRequests), strings.Join(c.BrokenBy, "; "))})
	}
	passN, failN := kneeN(pass, c.Found), kneeN(failingStep(c), true)
	for _, st := range stepsByRate(c) {
		status, word := stepStatus(st)
		row := capacityRow{
			N: fmt.Sprint(st.N), Phase: st.Phase, Length: st.Duration.String(), Asked: load.FormatRate(st.Asked), Achieved: load.FormatRate(st.Achieved),
			Requests: fmt.Sprintf("%.1f", st.RequestRate), Sessions: fmt.Sprint(st.Sessions),
			P50: fmtMs(st.Session.P50), P99: fmtMs(st.Session.P99), P999: fmtMs(st.Session.P999),
			Errors: fmtPct(st.ErrorFraction), Violations: fmt.Sprint(st.ViolationTotal()), Dropped: fmt.Sprint(st.Dropped),
			Status: status, Word: word,
		}
		switch st.N {
		case passN:
			row.Knee = "capacity"
		case failN:
			row.Knee = "first failing"
		}
		if status != "pass" {
			row.Reasons = st.Reasons
		}
		v.Steps = append(v.Steps, row)
	}
	v.Latency = template.HTML(capacityLatencyChart(c))
	v.Errors = template.HTML(capacityErrorChart(c))
	v.Rates = template.HTML(capacityRateChart(c))
	v.Ledger = buildLedgerView(c.Ledger)
	v.Ledger.Lead = "After the last step every client's balance was compared with the harness's own books, over all the steps: a point lost (L1), spent twice (L2) or held forever (L3) shows here, and voids the capacity figure."
	return v
}

// capacityMarks are the knee's marks: the highest passing rate and the
// first failing one with what broke there.
func capacityMarks(c *load.CapacityResult) []chart.Mark {
	var out []chart.Mark
	if pass := passingStep(c); pass != nil {
		m := chart.Mark{X: pass.Asked, Label: "capacity " + load.FormatRate(pass.Asked) + "/s", Color: colorCapacity}
		if !c.Found {
			m.Label, m.Color = "SLOs held to "+load.FormatRate(pass.Asked)+"/s (no figure: ledger)", colorNeutral
		}
		if c.FirstFailing == 0 {
			m.Label = "capacity ≥ " + load.FormatRate(pass.Asked) + "/s (nothing failed)"
		}
		out = append(out, m)
	}
	if fail := failingStep(c); fail != nil {
		out = append(out, chart.Mark{X: fail.Asked, Label: load.FormatRate(fail.Asked) + "/s fails: " + brokenLabel(c), Color: colorFailing, Dashed: true})
	}
	return out
}

// brokenLabel names what broke at the first failing rate: the SLOs
// first, then the other conditions, and how many more there were.
func brokenLabel(c *load.CapacityResult) string {
	exprs := map[string]bool{}
	for _, t := range c.Thresholds {
		exprs[t.Expr] = true
	}
	var slo, other []string
	for _, r := range c.BrokenBy {
		if s := shortReason(r); exprs[s] {
			slo = append(slo, s)
		} else {
			other = append(other, s)
		}
	}
	all := append(slo, other...)
	if len(all) == 0 {
		return "?"
	}
	label := all[0]
	if len(slo) > 1 {
		label = strings.Join(slo, ", ")
		all = all[len(slo)-1:]
	}
	if len(all) > 1 {
		label += fmt.Sprintf(" (+%d more)", len(all)-1)
	}
	return clip(label, 70)
}

// capacityLine picks, per rate, the step a chart's line goes through: a
// finished step over an interrupted one, then the longest, then the last.
func capacityLine(c *load.CapacityResult) map[int]bool {
	best := map[float64]load.CapacityStep{}
	for _, st := range c.Steps {
		b, ok := best[st.Asked]
		switch {
		case !ok,
			b.Interrupted && !st.Interrupted,
			b.Interrupted == st.Interrupted && st.Duration >= b.Duration:
			best[st.Asked] = st
		}
	}
	out := map[int]bool{}
	for _, st := range best {
		out[st.N] = true
	}
	return out
}

// capacityPoints makes one chart series from a value of each step.
func capacityPoints(c *load.CapacityResult, line map[int]bool, what string, value func(load.CapacityStep) float64, text func(float64) string) []chart.RatePoint {
	var out []chart.RatePoint
	for _, st := range c.Steps {
		status, word := stepStatus(st)
		y := value(st)
		title := fmt.Sprintf("step %d (%s, %s): %s/s asked, %s/s achieved; %s %s; %s", st.N, st.Phase, st.Duration, load.FormatRate(st.Asked), load.FormatRate(st.Achieved), what, text(y), word)
		if len(st.Reasons) > 0 && status != "pass" {
			title += ": " + strings.Join(st.Reasons, "; ")
		}
		out = append(out, chart.RatePoint{X: st.Asked, Y: y, Status: status, Title: title, Line: line[st.N]})
	}
	return out
}

func capacityShapes() []chart.Series {
	return []chart.Series{
		{Name: "passed", Color: colorNeutral, Shape: "pass"},
		{Name: "failed", Color: colorNeutral, Shape: "fail"},
		{Name: "not judged", Color: colorNeutral, Shape: "skip"},
	}
}

const capacityXLabel = "offered load: session starts per second asked"

func capacityLatencyChart(c *load.CapacityResult) string {
	line := capacityLine(c)
	msOf := func(pick func(load.Latency) time.Duration) func(load.CapacityStep) float64 {
		return func(st load.CapacityStep) float64 {
			d := pick(st.Session)
			if st.Sessions == 0 || d <= 0 {
				return math.NaN()
			}
			return float64(d) / 1e6
		}
	}
	ms := func(v float64) string { return fmtLatency(time.Duration(v * 1e6)) }
	ch := chart.Rate{ID: "chart-capacity-latency", Title: "Latency of whole sessions (p50, p99, p99.9) against the offered session rate, in milliseconds, with the knee marked",
		XLabel: capacityXLabel, YLabel: "session latency (ms)", LogY: true, W: capacityChartW, H: 400,
		Series: []chart.RateSeries{
			{Name: "p50", Color: colorP50, Points: capacityPoints(c, line, "p50", msOf(func(l load.Latency) time.Duration { return l.P50 }), ms)},
			{Name: "p99", Color: colorP99, Points: capacityPoints(c, line, "p99", msOf(func(l load.Latency) time.Duration { return l.P99 }), ms)},
			{Name: "p99.9", Color: colorP999, Points: capacityPoints(c, line, "p99.9", msOf(func(l load.Latency) time.Duration { return l.P999 }), ms)},
		},
		Shapes: capacityShapes(), Marks: capacityMarks(c)}
	colors := map[string]string{"p50": colorP50, "p99": colorP99, "p99.9": colorP999}
	for _, t := range c.Thresholds {
		if col, ok := colors[t.Metric]; ok && t.Step == "session" && t.Unit == "ns" && t.Limit > 0 {
			ch.Refs = append(ch.Refs, chart.Ref{Y: t.Limit / 1e6, Label: "SLO " + t.Expr, Color: col})
		}
	}
	return ch.SVG()
}

func capacityErrorChart(c *load.CapacityResult) string {
	pctText := func(v float64) string { return fmtPct(v / 100) }
	ch := chart.Rate{ID: "chart-capacity-errors", Title: "Unexpected outcomes as a share of requests against the offered session rate, with the knee marked",
		XLabel: capacityXLabel, YLabel: "% of requests", W: capacityChartW, H: 280, Empty: "no unexpected outcome at any rate",
		Series: []chart.RateSeries{{Name: "unexpected outcomes (errors)", Color: colorErrors,
			Points: capacityPoints(c, capacityLine(c), "errors", func(st load.CapacityStep) float64 { return st.ErrorFraction * 100 }, pctText)}},
		Shapes: capacityShapes(), Marks: capacityMarks(c)}
	if c.ImplicitErrors > 0 {
		ch.Refs = append(ch.Refs, chart.Ref{Y: c.ImplicitErrors * 100, Label: "limit " + fmtShare(c.ImplicitErrors) + " (no errors SLO given)", Color: colorErrors})
	}
	for _, t := range c.Thresholds {
		if t.Metric == "errors" && t.Step == "" && t.Unit == "%" && t.Limit > 0 {
			ch.Refs = append(ch.Refs, chart.Ref{Y: t.Limit * 100, Label: "SLO " + t.Expr, Color: colorErrors})
		}
	}
	return ch.SVG()
}

func capacityRateChart(c *load.CapacityResult) string {
	line := capacityLine(c)
	perS := func(v float64) string { return fmtNum(v) + "/s" }
	ch := chart.Rate{ID: "chart-capacity-throughput", Title: "Session starts achieved and requests per second measured against the offered session rate",
		XLabel: capacityXLabel, YLabel: "per second", LogY: true, W: capacityChartW, H: 320, Diagonal: "achieved = asked",
		Series: []chart.RateSeries{
			{Name: "sessions/s achieved", Color: colorP99, Points: capacityPoints(c, line, "sessions achieved", func(st load.CapacityStep) float64 { return st.Achieved }, perS)},
			{Name: "requests/s measured", Color: colorRequests, Points: capacityPoints(c, line, "requests", func(st load.CapacityStep) float64 { return st.RequestRate }, perS)},
		},
		Shapes: capacityShapes(), Marks: capacityMarks(c)}
	return ch.SVG()
}
