package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"loyalcheck/reports/record"
)

// The JUnit report is the CI verdict: CI tools show one test per rule
// check, per threshold, per ledger invariant and per step checked under
// load, so a failure names the rule and carries its evidence.
//
// It is valid against the most restrictive of the common JUnit schemas,
// the Apache Ant one published by Windy Road (see testdata/junit.xsd):
// a <testsuites> root without attributes; each <testsuite> with package,
// id, name, timestamp (no zone), hostname, tests, failures, errors, time,
// then <properties>, its test cases, <system-out> and <system-err>; each
// <testcase> with name, classname and time and at most one of <skipped>,
// <error> or <failure type=...>. That schema allows no output inside a
// test case, so the messages of passing-with-a-warning checks go to the
// suite's <system-out>, one line each, prefixed with the test's name.

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string          `xml:"name,attr"`
	Package   string          `xml:"package,attr"`
	ID        int             `xml:"id,attr"`
	Timestamp string          `xml:"timestamp,attr"`
	Hostname  string          `xml:"hostname,attr"`
	Tests     int             `xml:"tests,attr"`
	Failures  int             `xml:"failures,attr"`
	Errors    int             `xml:"errors,attr"`
	Skipped   int             `xml:"skipped,attr"`
	Time      string          `xml:"time,attr"`
	Props     []junitProperty `xml:"properties>property"`
	Cases     []junitCase     `xml:"testcase"`
	SystemOut xmlText         `xml:"system-out"`
	SystemErr xmlText         `xml:"system-err"`
}

// xmlText is element text written with only &, < and > escaped (and
// characters XML cannot hold replaced), so that evidence stays readable
// in the raw file; encoding/xml would also escape every quote and newline.
type xmlText struct {
	Body string `xml:",innerxml"`
}

func newXMLText(s string) xmlText {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r < 0xD800 || r >= 0xE000 && r < 0xFFFE || r >= 0x10000:
			b.WriteRune(r)
		default:
			b.WriteRune('\uFFFD')
		}
	}
	return xmlText{Body: b.String()}
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitSkipped `xml:"skipped"`
	Failure   *junitFailure `xml:"failure"`
}

type junitSkipped struct {
	Message string `xml:"message,attr,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",innerxml"` // escaped by newFailure
}

func newFailure(message, typ, text string) *junitFailure {
	return &junitFailure{Message: message, Type: typ, Text: newXMLText(text).Body}
}

// junitBuilder collects the cases of one suite.
type junitBuilder struct {
	suite junitSuite
	names map[string]int
	out   []string
}

func newJUnitSuite(r *record.Record, name string, started time.Time, took time.Duration) *junitBuilder {
	host := r.Environment.Hostname
	if strings.TrimSpace(host) == "" {
		host = "localhost"
	}
	if started.IsZero() {
		started = r.Started
	}
	props := []junitProperty{
		{"target", r.Target.URL},
		{"target.embedded", fmt.Sprint(r.Target.Embedded)},
		{"kind", r.Kind},
		{"tool.version", r.Tool.Version},
		{"record.version", fmt.Sprint(r.Version)},
		{"verdict", r.Verdict.Word()},
	}
	return &junitBuilder{
		suite: junitSuite{
			Name:      name,
			Package:   "loyalcheck",
			Timestamp: started.UTC().Format("2006-01-02T15:04:05"),
			Hostname:  host,
			Time:      seconds(took),
			Props:     props,
		},
		names: map[string]int{},
	}
}

// add appends a case; a repeated name gets " #2", " #3" so that CI tools
// that key tests by name keep them all.
func (j *junitBuilder) add(c junitCase) {
	j.names[c.Name]++
	if n := j.names[c.Name]; n > 1 {
		c.Name = fmt.Sprintf("%s #%d", c.Name, n)
	}
	if c.Time == "" {
		c.Time = "0"
	}
	j.suite.Tests++
	switch {
	case c.Failure != nil:
		j.suite.Failures++
	case c.Skipped != nil:
		j.suite.Skipped++
	}
	j.suite.Cases = append(j.suite.Cases, c)
}

func (j *junitBuilder) note(name, msg string) { j.out = append(j.out, name+": "+oneLine(msg)) }

func (j *junitBuilder) done() junitSuite {
	if len(j.out) > 0 {
		j.suite.SystemOut = newXMLText(strings.Join(j.out, "\n") + "\n")
	}
	return j.suite
}

func seconds(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	return fmt.Sprintf("%.3f", d.Seconds())
}

func renderJUnit(w io.Writer, r *record.Record) error {
	var suites []junitSuite
	if r.Error != nil {
		suites = append(suites, junitError(r))
	}
	if c := r.Contract; c != nil {
		suites = append(suites, junitContract(r, c))
	}
	// A capacity search's thresholds are those of its passing step, a
	// case of the capacity suite already.
	if len(r.Thresholds) > 0 && (r.Load != nil || r.Capacity == nil) {
		suites = append(suites, junitThresholds(r))
	}
	if s := r.Load; s != nil {
		suites = append(suites, junitLedger(r, s.Started, s.Elapsed, s.Ledger, "load.ledger"), junitViolations(r, s))
	}
	if r.Comparison != nil {
		suites = append(suites, junitComparison(r))
	}
	if c := r.Capacity; c != nil {
		suites = append(suites, junitCapacity(r, c), junitLedger(r, c.Started, c.Elapsed, c.Ledger, "capacity.ledger"))
	}
	for i := range suites {
		suites[i].ID = i
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: suites}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitContract(r *record.Record, c *record.Contract) junitSuite {
	j := newJUnitSuite(r, "contract", c.Started, c.Ended.Sub(c.Started))
	j.suite.Props = append(j.suite.Props, junitProperty{"contract.profile", c.Profile})
	if len(c.AcceptUnverified) > 0 {
		j.suite.Props = append(j.suite.Props, junitProperty{"contract.accept_unverified", strings.Join(c.AcceptUnverified, ",")})
	}
	// One test case per check on a rule; its cases are its evidence.
	for _, g := range c.Areas {
		class := "contract." + strings.ReplaceAll(g.Area, " ", "_")
		for _, ch := range g.Checks {
			tc := junitCase{Name: ch.Rule + " " + ch.Check, Classname: class}
			cases := ch.ProblemCases()
			msg := oneLine(cases[0].Message)
			if len(cases) > 1 {
				msg = fmt.Sprintf("%d cases: %s", len(cases), msg)
			}
			switch {
			case ch.Status == record.Fail:
				var b strings.Builder
				for i, f := range cases {
					if len(cases) > 1 {
						fmt.Fprintf(&b, "case %d of %d\n", i+1, len(cases))
					}
					b.WriteString(findingText(f))
					if i < len(cases)-1 {
						b.WriteString("\n")
					}
				}
				tc.Failure = newFailure(msg, ch.Rule+" ("+string(ch.Kind)+")", b.String())
			case ch.NotInScope:
				tc.Skipped = &junitSkipped{Message: "not in scope: " + msg}
			case ch.Status == record.Skip:
				tc.Skipped = &junitSkipped{Message: "unverified: " + msg}
			case ch.Status == record.Warn:
				for _, f := range cases {
					j.note("WARN "+tc.Name, f.Message)
				}
			}
			j.add(tc)
		}
	}
	// A doc rule left unverified fails the gate (the verdict is
	// INCOMPLETE): one failing case per rule, saying why.
	for _, rc := range c.IncompleteRules() {
		why := oneLine(rc.Reason)
		j.add(junitCase{Name: rc.Rule + " coverage", Classname: "contract.coverage",
			Failure: newFailure("unverified: "+why, rc.Rule+" (unverified)",
				fmt.Sprintf("%s (%s, %s): %s\nunverified: %s\naccept it with --accept-unverified %s\n", rc.Rule, rc.Kind, rc.Area, ruleSummary(rc.Rule), why, rc.Rule))})
	}
	for _, n := range c.CoverageNotes {
		if n.State != record.Unverified {
			j.note(strings.ToUpper(n.Label())+" "+n.RuleList(), n.Reason)
		}
	}
	for _, n := range c.Notes {
		j.note("contract", n)
	}
	return j.done()
}

// findingText is a failure's full text: the rule, the message and every
// exchange it rests on.
func findingText(f record.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, %s): %s\n", f.Rule, f.Kind, f.Area, ruleSummary(f.Rule))
	fmt.Fprintf(&b, "%s\n", f.Message)
	if f.Evidence != nil {
		b.WriteString("\nevidence:\n")
		for _, l := range evidenceLines(f.Evidence, 0) {
			b.WriteString("  " + l + "\n")
		}
	}
	for i := range f.Trail {
		fmt.Fprintf(&b, "\nearlier exchange %d:\n", i+1)
		for _, l := range evidenceLines(&f.Trail[i], 0) {
			b.WriteString("  " + l + "\n")
		}
	}
	return b.String()
}

func junitThresholds(r *record.Record) junitSuite {
	var started time.Time
	var took time.Duration
	if r.Load != nil {
		started, took = r.Load.Started, r.Load.Elapsed
	}
	j := newJUnitSuite(r, "thresholds", started, took)
	for _, t := range r.Thresholds {
		tc := junitCase{Name: t.Expr, Classname: "load.thresholds"}
		if !t.Pass {
			msg := fmt.Sprintf("measured %s, limit %s %s", measuredText(t), t.Op, limitText(t.Threshold))
			tc.Failure = newFailure(msg, "threshold", "threshold "+t.Expr+" not met: "+msg+"\n")
		} else {
			j.note(t.Expr, "measured "+measuredText(t))
		}
		j.add(tc)
	}
	return j.done()
}

func junitLedger(r *record.Record, started time.Time, took time.Duration, l record.Ledger, class string) junitSuite {
	j := newJUnitSuite(r, "ledger", started, took)
	for _, rule := range []string{"L1", "L2", "L3"} {
		tc := junitCase{Name: rule + " " + ruleSummary(rule), Classname: class}
		var fails, warns []record.LedgerFinding
		for _, f := range l.Findings {
			if f.Rule != rule {
				continue
			}
			if f.Status == "fail" {
				fails = append(fails, f)
			} else {
				warns = append(warns, f)
			}
		}
		switch {
		case l.Skipped != "":
			tc.Skipped = &junitSkipped{Message: "ledger not audited: " + oneLine(l.Skipped)}
		case len(fails) > 0:
			var b strings.Builder
			for _, f := range fails {
				b.WriteString(ledgerFindingText(f))
			}
			tc.Failure = newFailure(fmt.Sprintf("%s broken on %s", rule, plural(len(fails), "client")), rule+" (ledger)", b.String())
		}
		for _, f := range warns {
			j.note("WARN "+rule, ledgerFindingText(f))
		}
		j.add(tc)
	}
	if l.Skipped == "" {
		j.note("ledger", ledgerLine(l))
	}
	if n := l.UnreleasedNote; n != "" {
		j.note("ledger", n)
	}
	return j.done()
}

func ledgerFindingText(f record.LedgerFinding) string {
	s := fmt.Sprintf("client %s: %s\n", f.Client, oneLine(f.Message))
	for _, op := range f.Ops {
		s += "  " + op + "\n"
	}
	return s
}

// junitViolations has one case per step that ran under load: it fails
// when responses of that step broke the contract.
func junitViolations(r *record.Record, s *record.Load) junitSuite {
	j := newJUnitSuite(r, "load-contract", s.Started, s.Elapsed)
	by := map[string][]record.ViolationCount{}
	for _, v := range s.Violations {
		by[v.Step] = append(by[v.Step], v)
	}
	seen := map[string]bool{}
	steps := make([]string, 0, len(s.Steps))
	for _, m := range s.Steps {
		steps = append(steps, m.Name)
		seen[m.Name] = true
	}
	for _, v := range s.Violations { // a step with violations but no metrics
		if !seen[v.Step] {
			seen[v.Step] = true
			steps = append(steps, v.Step)
		}
	}
	for _, step := range steps {
		tc := junitCase{Name: step + " responses keep the contract", Classname: "load.contract"}
		if vs := by[step]; len(vs) > 0 {
			var parts []string
			var b strings.Builder
			for _, v := range vs {
				parts = append(parts, fmt.Sprintf("%s %s", v.Rule, times(v.Count)))
				fmt.Fprintf(&b, "%s (%s) broken %s, e.g. %s\n", v.Rule, ruleSummary(v.Rule), times(v.Count), oneLine(v.Example))
			}
			tc.Failure = newFailure(step+": "+strings.Join(parts, ", "), "contract violation under load", b.String())
		}
		j.add(tc)
	}
	return j.done()
}

// junitCapacity has one case per step of a capacity search, in the order
// they ran, and one for the search's result. A step over the SLOs is what
// the search looks for, not a defect: it passes, with what broke in the
// suite's output, so a CI job is red only when the search's verdict is (a
// step too short to judge, or interrupted, is skipped). The result's case
// fails when no capacity was found, the ledger voided it or a step's
// responses broke the contract.
func junitCapacity(r *record.Record, c *record.Capacity) junitSuite {
	j := newJUnitSuite(r, "capacity", c.Started, c.Elapsed)
	j.suite.Props = append(j.suite.Props,
		junitProperty{"capacity.scenario", c.Scenario},
		junitProperty{"capacity.slo", sloText(c)},
		junitProperty{"capacity.found", fmt.Sprint(c.Found)},
		junitProperty{"capacity.max_passing_rate", record.FormatRate(c.MaxPassing)},
		junitProperty{"capacity.first_failing_rate", record.FormatRate(c.FirstFailing)},
		junitProperty{"capacity.stopped", c.Stopped})
	for _, st := range c.Steps {
		tc := junitCase{Name: fmt.Sprintf("step %d: %s/s (%s, %s)", st.N, record.FormatRate(st.Asked), st.Phase, st.Duration), Classname: "capacity.steps", Time: seconds(st.Elapsed)}
		status, _ := stepStatus(st)
		why := strings.Join(st.Reasons, "; ")
		switch status {
		case "fail":
			j.note(tc.Name, "over the SLOs: "+oneLine(why)+"; "+stepSummary(st))
		case "skip":
			tc.Skipped = &junitSkipped{Message: oneLine(why)}
		default:
			j.note(tc.Name, stepSummary(st))
		}
		j.add(tc)
	}
	tc := junitCase{Name: "capacity keeping " + sloText(c), Classname: "capacity", Time: seconds(c.Elapsed)}
	var problems []string
	if !c.Found || c.Ledger.Failed {
		problems = append(problems, capacityFigure(c))
	}
	for _, v := range capacityViolations(c) {
		problems = append(problems, fmt.Sprintf("%s broken %s in %s responses (at %s)", v.rule, times(v.count), v.step, strings.Join(v.rates, ", ")))
	}
	text := capacityHeadline(c) + "\nstopped: " + c.Stopped + ": " + c.Note + "\n"
	if len(problems) > 0 {
		tc.Failure = newFailure(oneLine(strings.Join(problems, "; ")), "capacity", text)
	} else {
		j.note(tc.Name, capacityHeadline(c))
	}
	j.add(tc)
	return j.done()
}

// stepSummary is what a capacity step measured, in one line.
func stepSummary(st record.CapacityStep) string {
	return fmt.Sprintf("asked %s/s, achieved %s/s, %.1f requests/s; %d sessions, p50 %s, p99 %s, p99.9 %s; errors %s, %d violations, %d dropped",
		record.FormatRate(st.Asked), record.FormatRate(st.Achieved), st.RequestRate, st.Sessions, fmtLatency(st.Session.P50), fmtLatency(st.Session.P99), fmtLatency(st.Session.P999),
		fmtPct(st.ErrorFraction), st.ViolationTotal(), st.Dropped)
}
