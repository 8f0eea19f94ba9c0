package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"loyalcheck/reports/record"
)

// The terminal report: the verdict first, then the contract findings by
// area (failures with their evidence), the load per step, the ledger and
// the thresholds. Colour only when asked (WithColor).

// textEvidencePerCheck bounds how many failures of one check show their
// evidence; the rest are counted (all of them are in run.json and HTML).
const textEvidencePerCheck = 2

// textBodyMax bounds a request or response body in the text report.
const textBodyMax = 300

const (
	ansiReset  = "\033[0m"
	ansiBold   = "\033[1m"
	ansiDim    = "\033[2m"
	ansiRed    = "\033[31m"
	ansiGreen  = "\033[32m"
	ansiYellow = "\033[33m"
)

// While the report is written, colours are private-use runes; once every
// control character has been neutralised (a server's answer may hold an
// escape sequence), they become the ANSI codes above. Data can thus
// produce no escape sequence but these six.
var colorMarks = strings.NewReplacer(
	ansiReset, "\uE100", ansiBold, "\uE101", ansiDim, "\uE102",
	ansiRed, "\uE103", ansiGreen, "\uE104", ansiYellow, "\uE105")

var colorCodes = strings.NewReplacer(
	"\uE100", ansiReset, "\uE101", ansiBold, "\uE102", ansiDim,
	"\uE103", ansiRed, "\uE104", ansiGreen, "\uE105", ansiYellow)

type textWriter struct {
	b       strings.Builder
	color   bool
	verbose bool // passes too, every case's evidence and trail
}

func (t *textWriter) paint(code, s string) string {
	if !t.color || s == "" {
		return s
	}
	return colorMarks.Replace(code) + s + colorMarks.Replace(ansiReset)
}

func (t *textWriter) printf(format string, a ...any) { fmt.Fprintf(&t.b, format, a...) }

func (t *textWriter) heading(s string) { t.printf("\n%s\n", t.paint(ansiBold, s)) }

// status writes a finding status as a fixed-width coloured word.
func (t *textWriter) status(s string) string {
	w := fmt.Sprintf("%-4s", strings.ToUpper(s))
	switch s {
	case "pass":
		return t.paint(ansiGreen, w)
	case "fail":
		return t.paint(ansiBold+ansiRed, w)
	case "warn":
		return t.paint(ansiYellow, w)
	case "skip", "out":
		return t.paint(ansiDim, w)
	}
	return w
}

func (t *textWriter) verdictWord(v record.Verdict) string {
	if v.Pass {
		return t.paint(ansiBold+ansiGreen, v.Word())
	}
	return t.paint(ansiBold+ansiRed, v.Word())
}

func renderText(w io.Writer, r *record.Record, o options) error {
	t := &textWriter{color: o.color, verbose: o.verbose}
	t.verdict(r)
	t.header(r)
	if r.Contract != nil {
		t.contract(r.Contract)
	}
	if r.Load != nil {
		t.load(r.Load)
		t.ledger(r.Load.Ledger)
	}
	if c := r.Capacity; c != nil {
		t.capacity(c)
		t.ledger(c.Ledger)
	}
	t.thresholds(r.Thresholds, thresholdsAt(r))
	if r.Comparison != nil {
		t.heading("Compared with the baseline")
		t.b.WriteString(comparisonText(r, renderCompareText))
	}
	out := printable(t.b.String())
	if t.color {
		out = colorCodes.Replace(out)
	}
	_, err := io.WriteString(w, out)
	return err
}

func (t *textWriter) verdict(r *record.Record) {
	t.printf("%s %s: %s\n", t.paint(ansiBold, "loyalcheck"), r.Kind, t.verdictWord(r.Verdict))
	for _, s := range r.Verdict.Reasons {
		t.printf("  %s %s\n", t.paint(ansiRed, "x"), s)
	}
	for _, s := range r.Verdict.Notes {
		t.printf("  %s %s\n", t.paint(ansiYellow, "!"), s)
	}
}

func (t *textWriter) header(r *record.Record) {
	t.printf("\n")
	t.printf("target    %s\n", targetText(r.Target))
	t.printf("run       %s, %s; loyalcheck %s (%s), record v%d\n", fmtTime(r.Started), fmtDuration(r.Ended.Sub(r.Started)),
		r.Tool.Version, r.Tool.GoVersion, r.Version)
	t.printf("fixtures  %s\n", fixturesText(r.Fixtures))
	if sc := r.Scenario; sc != nil {
		t.printf("scenario  %s: %s\n", sc.Name, sc.Description)
	}
}

func (t *textWriter) contract(c *record.Contract) {
	t.heading(fmt.Sprintf("CONTRACT (profile %s): %s; %s", c.Profile, c.Summary.String(), c.Rules.String()))
	for _, g := range c.Areas {
		line := fmt.Sprintf("  %-10s %s", g.Area, g.Summary.String())
		if g.Summary.Fail > 0 {
			line = t.paint(ansiRed, line)
		}
		t.printf("%s\n", line)
		for _, ch := range g.Checks {
			if ch.Status == record.Pass && !t.verbose {
				continue
			}
			t.check(ch)
		}
	}
	if notes := c.CoverageNotes; len(notes) > 0 {
		t.printf("  rules not fully verified\n")
		for _, n := range notes {
			t.printf("    %s %s: %s\n", t.coverageWord(n.State), n.RuleList(), oneLine(n.Reason))
		}
	}
	if len(c.AcceptUnverified) > 0 {
		t.printf("  accepted unverified by --accept-unverified: %s\n", strings.Join(c.AcceptUnverified, ", "))
	}
}

// check writes a check that did not pass (any check when verbose); its
// cases, when more than one, are listed under it as its evidence.
func (t *textWriter) check(ch record.CheckVerdict) {
	cases := ch.ProblemCases()
	st := string(ch.Status)
	if ch.NotInScope {
		st = "out"
	}
	if len(cases) == 1 {
		f := cases[0]
		t.printf("    %s %-4s %s  %s\n", t.status(st), ch.Rule, t.paint(ansiDim, ch.Check), oneLine(f.Message))
		if ch.Status == record.Fail || t.verbose {
			t.evidence(f, "              ")
		}
		return
	}
	t.printf("    %s %-4s %s  %d cases\n", t.status(st), ch.Rule, t.paint(ansiDim, ch.Check), len(cases))
	for i, f := range cases {
		t.printf("              - %s\n", oneLine(f.Message))
		if ch.Status != record.Fail && !t.verbose {
			continue
		}
		if i >= textEvidencePerCheck && !t.verbose {
			if i == len(cases)-1 {
				t.printf("                %s\n", t.paint(ansiDim, fmt.Sprintf("(evidence of %s in run.json and report.html)", plural(len(cases)-textEvidencePerCheck, "more case"))))
			}
			continue
		}
		t.evidence(f, "                ")
	}
}

// evidence writes a case's exchange and, when verbose, the earlier
// exchanges its verdict rests on.
func (t *textWriter) evidence(f record.Finding, indent string) {
	for _, l := range evidenceLines(f.Evidence, textBodyMax) {
		t.printf("%s%s\n", indent, t.paint(ansiDim, l))
	}
	if !t.verbose {
		return
	}
	for i := range f.Trail {
		for j, l := range evidenceLines(&f.Trail[i], textBodyMax) {
			if j == 0 {
				l = "(earlier) " + l
			}
			t.printf("%s%s\n", indent, t.paint(ansiDim, l))
		}
	}
}

func (t *textWriter) coverageWord(s record.CoverageState) string {
	w := strings.ToUpper(string(s))
	switch s {
	case record.Unverified:
		return t.paint(ansiBold+ansiRed, w)
	case record.Accepted:
		return t.paint(ansiYellow, w)
	}
	return t.paint(ansiDim, w)
}

func (t *textWriter) load(s *record.Load) {
	head := fmt.Sprintf("LOAD scenario %s, %s for %s (took %s)", s.Scenario, pacerText(s.Pacer), s.Duration, fmtDuration(s.Elapsed))
	if s.Interrupted {
		head += ", INTERRUPTED"
	}
	t.heading(head)
	ss := s.Sessions
	t.printf("  sessions   %d scheduled, %d started, %d dropped, %d completed, %d failed, %d aborted; peak %d in flight\n",
		ss.Scheduled, ss.Started, ss.Dropped, ss.Completed, ss.Failed, ss.Aborted, ss.PeakFlight)
	t.printf("  rate       %.1f sessions/s asked, %.1f achieved; %.1f requests/s\n", s.AskedRate, s.AchievedRate, s.RequestRate)
	t.printf("  validated  %d responses against the schemas (%s sampled)\n\n", s.Validation.Validated, fmtPct(s.Validation.Fraction))

	rows := stepRows(s)
	nameW := len("step")
	for _, m := range rows {
		nameW = max(nameW, len(rowName(m)))
	}
	tw := tabwriter.NewWriter(&t.b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "  %-*s\trequests\trate/s\tsuccess\trefused\terrors\tviolations\tp50\tp90\tp95\tp99\tp99.9\tmax\t\n", nameW, "step")
	for _, m := range rows {
		l := m.Latency
		fmt.Fprintf(tw, "  %-*s\t%d\t%.1f\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", nameW, rowName(m), m.Requests, m.Rate, fmtPct(m.Success),
			m.Refused, m.Unexpected, m.Violations, fmtLatency(l.P50), fmtLatency(l.P90), fmtLatency(l.P95), fmtLatency(l.P99), fmtLatency(l.P999), fmtLatency(l.Max))
	}
	tw.Flush()

	if len(s.Violations) > 0 {
		t.printf("\n  %s\n", t.paint(ansiRed, "contract violations under load:"))
		for _, v := range s.Violations {
			t.printf("    %-8s %-4s %s, e.g. %s\n", v.Step, v.Rule, times(v.Count), oneLine(v.Example))
		}
	}
	for _, m := range stepRows(s) {
		for i, e := range m.Errors {
			if i == 0 {
				t.printf("\n  unexpected outcomes in %s:\n", m.Name)
			}
			if i == 5 {
				t.printf("    ... %d more kinds\n", len(m.Errors)-5)
				break
			}
			t.printf("    %6d  %s\n", e.Count, oneLine(e.Error))
		}
	}
	if c := s.Contention; c != nil {
		t.printf("\n  contention on %d hot clients: holds %d accepted, %d refused; spends %d accepted, %d refused\n",
			c.HotClients, c.HoldsAccepted, c.HoldsRefused, c.SpendsAccepted, c.SpendsRefused)
		for i := range c.Hot {
			if i >= len(c.Cold) {
				break
			}
			t.printf("    %-8s p50 %s on hot clients, %s on the rest; p99 %s vs %s\n", c.Hot[i].Step,
				fmtLatency(c.Hot[i].Latency.P50), fmtLatency(c.Cold[i].Latency.P50), fmtLatency(c.Hot[i].Latency.P99), fmtLatency(c.Cold[i].Latency.P99))
		}
	}
}

func (t *textWriter) ledger(l record.Ledger) {
	word := t.paint(ansiBold+ansiGreen, "OK")
	switch {
	case l.Skipped != "":
		word = t.paint(ansiYellow, "NOT AUDITED")
	case len(l.Findings) > 0:
		word = t.paint(ansiBold+ansiRed, "FAIL")
		if len(ledgerGroups(l.Findings, "fail")) == 0 {
			word = t.paint(ansiYellow, "WARNINGS")
		}
	}
	t.heading("LEDGER (L1-L3)")
	t.printf("  %s  %s\n", word, ledgerLine(l))
	for _, f := range l.Findings {
		t.printf("    %s %-3s client %s: %s\n", t.status(f.Status), f.Rule, f.Client, oneLine(f.Message))
	}
	if l.Uncertain > 0 {
		t.printf("  %d state-changing requests got no answer; the audit allowed for them\n", l.Uncertain)
	}
}

func (t *textWriter) thresholds(ts []record.ThresholdResult, at string) {
	if len(ts) == 0 {
		return
	}
	if at != "" {
		at = " " + at
	}
	t.heading(fmt.Sprintf("THRESHOLDS%s: %d of %d met", at, thresholdsPassed(ts), len(ts)))
	width := 0
	for _, x := range ts {
		width = max(width, len(x.Expr))
	}
	for _, x := range ts {
		st := "pass"
		if !x.Pass {
			st = "fail"
		}
		m := measuredText(x)
		if x.MeasuredText != "" {
			m = "measured " + m
		}
		t.printf("  %s  %-*s  %s\n", t.status(st), width, x.Expr, m)
	}
}

func (t *textWriter) capacity(c *record.Capacity) {
	t.heading(fmt.Sprintf("CAPACITY scenario %s, %s (took %s)", c.Scenario, plural(len(c.Steps), "step"), fmtDuration(c.Elapsed)))
	head := capacityHeadline(c)
	if capacityOK(c) {
		head = t.paint(ansiBold+ansiGreen, head)
	} else {
		head = t.paint(ansiBold+ansiRed, head)
	}
	t.printf("  %s\n", head)
	t.printf("  search   %s\n", searchText(c))
	t.printf("  stopped  %s: %s\n", c.Stopped, oneLine(c.Note))
	if len(c.Steps) == 0 {
		return
	}
	t.printf("\n")
	tw := tabwriter.NewWriter(&t.b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "  #\tphase\tlength\tasked/s\tachieved/s\treq/s\tsessions\tp50\tp99\tp99.9\terrors\tviolations\tdropped\t\n")
	steps := stepsByRate(c)
	for _, st := range steps {
		status, word := stepStatus(st)
		switch status {
		case "pass":
			word = t.paint(ansiGreen, word)
		case "fail":
			word = t.paint(ansiBold+ansiRed, word)
		default:
			word = t.paint(ansiDim, word)
		}
		switch st.N {
		case kneeN(c.PassingStep(), c.Found):
			word += "  <- capacity"
		case kneeN(c.FailingStep(), true):
			word += "  <- first failing"
		}
		// The verdict is the line's last cell, outside the columns, so
		// that colour codes do not change the padding.
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%.1f\t%d\t%s\t%s\t%s\t%s\t%d\t%d\t  %s\n", st.N, st.Phase, st.Duration, record.FormatRate(st.Asked), record.FormatRate(st.Achieved), st.RequestRate, st.Sessions,
			fmtLatency(st.Session.P50), fmtLatency(st.Session.P99), fmtLatency(st.Session.P999), fmtPct(st.ErrorFraction), st.ViolationTotal(), st.Dropped, word)
	}
	tw.Flush()
	t.printf("  %s\n", t.paint(ansiDim, "(latencies of whole sessions; steps in rate order, # the order they ran)"))
	for _, st := range steps {
		status, _ := stepStatus(st)
		if len(st.Reasons) == 0 || status == "pass" {
			continue
		}
		what := "failed"
		if status == "skip" {
			what = "not judged"
		}
		t.printf("  %s/s (#%d, %s) %s: %s\n", record.FormatRate(st.Asked), st.N, st.Duration, what, oneLine(strings.Join(st.Reasons, "; ")))
	}
}

// thresholdsAt says where a record's thresholds were measured when that
// is not the whole run: a capacity search's at its highest passing step.
func thresholdsAt(r *record.Record) string {
	if c := r.Capacity; c != nil && r.Load == nil {
		return fmt.Sprintf("at %s/s, the highest passing rate", record.FormatRate(c.MaxPassing))
	}
	return ""
}
