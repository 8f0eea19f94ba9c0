package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"loyalcheck/api"
)

// ReportOptions tune the terminal report.
type ReportOptions struct {
	// Color adds ANSI colours to statuses (only when asked for).
	Color bool
	// Verbose lists passes' evidence and the trail of failures too.
	Verbose bool
	// MaxBody cuts bodies shown in the report (default 300 bytes).
	MaxBody int
}

const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
)

// WriteReport renders the result as text: checks grouped by area (one
// per endpoint, then general, ledger and bad input), each with its cases
// and, for failures and warnings, their evidence; then the rules not
// verified and why, and the verdict: PASS, FAIL or INCOMPLETE.
func WriteReport(w io.Writer, r *Result, o ReportOptions) error {
	if o.MaxBody <= 0 {
		o.MaxBody = 300
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "loyalcheck contract: %s (profile %s)\n", r.Target, r.Profile)
	rank := map[string]int{}
	for i, rule := range api.Rules() {
		rank[rule.ID] = i
	}
	byArea := map[string][]CheckVerdict{}
	for _, c := range CheckVerdicts(r.Findings) {
		byArea[c.Area] = append(byArea[c.Area], c)
	}
	for _, area := range reportAreas() {
		cs := byArea[area]
		if len(cs) == 0 {
			continue
		}
		sort.SliceStable(cs, func(i, j int) bool { return rank[cs[i].Rule] < rank[cs[j].Rule] })
		fmt.Fprintf(&b, "\n%s\n", areaTitle(area))
		for _, c := range cs {
			writeCheck(&b, c, o)
		}
	}
	writeCoverage(&b, r)
	s := Summarize(r)
	fmt.Fprintf(&b, "\nsummary: %s; %s in %s\n", CheckCountText(s), RuleCountText(CountRules(CoverageOf(r))), r.Duration().Round(time.Millisecond))
	fmt.Fprintf(&b, "verdict: %s\n", verdictLine(r))
	for _, note := range r.Notes() {
		fmt.Fprintf(&b, "%s\n", note)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeCheck writes one check: its verdict and, when it tried more than
// one case, each case as its evidence.
func writeCheck(b *bytes.Buffer, c CheckVerdict, o ReportOptions) {
	cases := c.ProblemCases()
	if len(cases) == 1 || c.Status == Pass && !o.Verbose {
		msg := oneLine(cases[0].Message)
		if n := len(c.Cases) - 1; n > 0 && c.Status == Pass {
			msg += fmt.Sprintf(" (+%d more cases)", n)
		}
		fmt.Fprintf(b, "  %s %-4s %-22s %s\n", o.status(c.Status), c.Rule, c.Check, msg)
		writeCase(b, cases[0], o, "        ")
		return
	}
	fmt.Fprintf(b, "  %s %-4s %-22s %d cases %s\n", o.status(c.Status), c.Rule, c.Check, len(cases), caseWord(c.Status))
	for _, f := range cases {
		fmt.Fprintf(b, "        - %s\n", oneLine(f.Message))
		writeCase(b, f, o, "          ")
	}
}

func caseWord(s Status) string {
	switch s {
	case Fail:
		return "failed"
	case Warn:
		return "warned"
	case Skip:
		return "skipped"
	}
	return "passed"
}

func writeCase(b *bytes.Buffer, f Finding, o ReportOptions, indent string) {
	if !(f.Status == Fail || f.Status == Warn || (o.Verbose && f.Evidence != nil)) {
		return
	}
	if f.Evidence != nil {
		writeEvidence(b, f.Evidence, o, indent)
	}
	if o.Verbose {
		for i := range f.Trail {
			fmt.Fprintf(b, "%s%s(earlier)%s\n", indent, o.dim(), o.reset())
			writeEvidence(b, &f.Trail[i], o, indent)
		}
	}
}

// writeCoverage lists the rules the run did not fully verify, and why.
func writeCoverage(b *bytes.Buffer, r *Result) {
	notes := CoverageNotes(CoverageOf(r))
	if len(notes) == 0 {
		return
	}
	fmt.Fprintf(b, "\nrules not fully verified\n")
	for _, n := range notes {
		fmt.Fprintf(b, "  %s: %s\n      %s\n", strings.ToUpper(n.Label()), n.RuleList(), oneLine(n.Reason))
	}
	if len(r.AcceptUnverified) > 0 {
		fmt.Fprintf(b, "  accepted unverified by the user: %s\n", strings.Join(r.AcceptUnverified, ","))
	}
}

// verdictLine is the verdict and, unless PASS, why.
func verdictLine(r *Result) string {
	switch r.Verdict() {
	case "FAIL":
		var ids []string
		for _, c := range CoverageOf(r) {
			if c.State == Failed {
				ids = append(ids, c.Rule)
			}
		}
		return "FAIL: rules failed: " + strings.Join(ids, ", ")
	case "INCOMPLETE":
		var ids []string
		for _, c := range r.IncompleteRules() {
			ids = append(ids, c.Rule)
		}
		return fmt.Sprintf("INCOMPLETE: doc rules unverified: %s (see above why; accept them with --accept-unverified %s)",
			strings.Join(ids, ", "), strings.Join(ids, ","))
	}
	return "PASS"
}

// CheckCountText is "44 checks: 43 pass, 1 fail", leaving out zeros
// except pass.
func CheckCountText(s Summary) string {
	n := s.Pass + s.Fail + s.Warn + s.Skip + s.NotInScope
	parts := []string{fmt.Sprintf("%d pass", s.Pass)}
	for _, p := range []struct {
		n    int
		word string
	}{{s.Fail, "fail"}, {s.Warn, "warn"}, {s.Skip, "unverified"}, {s.NotInScope, "not in scope"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.word))
		}
	}
	word := "checks"
	if n == 1 {
		word = "check"
	}
	return fmt.Sprintf("%d %s: %s", n, word, strings.Join(parts, ", "))
}

// RuleCountText is "45 rules: 44 verified, 1 not in scope", leaving out
// zeros except verified.
func RuleCountText(n RuleCounts) string {
	total := n.Verified + n.Failed + n.Warned + n.Unverified + n.Accepted + n.NotInScope
	parts := []string{fmt.Sprintf("%d verified", n.Verified)}
	for _, p := range []struct {
		n    int
		word string
	}{{n.Failed, "failed"}, {n.Warned, "warned"}, {n.Unverified, "unverified"}, {n.Accepted, "accepted unverified"}, {n.NotInScope, "not in scope"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.word))
		}
	}
	return fmt.Sprintf("%d rules: %s", total, strings.Join(parts, ", "))
}

// reportAreas orders areas as the API is called: endpoints first.
func reportAreas() []string {
	return []string{api.AreaSearch, api.AreaRecalc, api.AreaHold, api.AreaRetail, api.AreaGeneral,
		api.AreaLedger, api.AreaBadInput}
}

func areaTitle(a string) string {
	switch a {
	case api.AreaSearch:
		return "search  POST " + api.EpSearch.Path()
	case api.AreaRecalc:
		return "recalc  POST " + api.EpRecalc.Path()
	case api.AreaHold:
		return "hold    POST " + api.EpHold.Path() + ", " + api.EpRelease.Path()
	case api.AreaRetail:
		return "retail  POST " + api.EpRetail.Path()
	}
	return a
}

func writeEvidence(b *bytes.Buffer, ev *Evidence, o ReportOptions, indent string) {
	method := ev.Method
	if method == "" {
		method = "POST"
	}
	key := ""
	if ev.KeySent != "" {
		key = "  [apikey: " + ev.KeySent + "]"
	}
	fmt.Fprintf(b, "%s%s> %s %s%s %s%s\n", indent, o.dim(), method, ev.URL, key, cut(ev.Request, o.MaxBody), o.reset())
	if ev.Status != 0 || len(ev.Body) > 0 {
		fmt.Fprintf(b, "%s%s< %d %s%s\n", indent, o.dim(), ev.Status, cut(ev.Body, o.MaxBody), o.reset())
	}
	if ev.Note != "" {
		fmt.Fprintf(b, "%s%s  %s%s\n", indent, o.dim(), ev.Note, o.reset())
	}
}

// cut renders raw JSON on one line, at most n bytes (a JSON string of a
// non-JSON body is shown unquoted).
func cut(raw json.RawMessage, n int) string {
	if len(raw) == 0 {
		return ""
	}
	s := string(raw)
	var str string
	if raw[0] == '"' && json.Unmarshal(raw, &str) == nil {
		s = strings.ReplaceAll(str, "\n", "\\n")
	}
	return api.Snippet([]byte(s), n)
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

func (o ReportOptions) status(s Status) string {
	label := strings.ToUpper(string(s))
	if !o.Color {
		return label
	}
	switch s {
	case Pass:
		return ansiGreen + label + ansiReset
	case Fail:
		return ansiRed + label + ansiReset
	case Warn:
		return ansiYellow + label + ansiReset
	}
	return ansiDim + label + ansiReset
}

func (o ReportOptions) dim() string {
	if o.Color {
		return ansiDim
	}
	return ""
}

func (o ReportOptions) reset() string {
	if o.Color {
		return ansiReset
	}
	return ""
}

// Notes says, one line each, what a reader of any report of the run must
// know besides the findings: that it was read-only or interrupted, and
// which holds it could not release.
func (r *Result) Notes() []string {
	var out []string
	if r.ReadOnly {
		k := 0
		for _, f := range r.Findings {
			if f.SkippedFor(ReadOnlyReason) {
				k++
			}
		}
		out = append(out, fmt.Sprintf("read-only: only search and recalc were sent; %d checks needing hold, release or retail were skipped", k))
	}
	if r.Interrupted {
		out = append(out, "interrupted: the run was stopped before its end; checks not run are missing and the one running is skipped")
	}
	if len(r.Unreleased) > 0 {
		out = append(out, fmt.Sprintf("HOLDS LEFT ACTIVE: %d holds the run made could not be released and stay until they expire: %s",
			len(r.Unreleased), strings.Join(r.Unreleased, ", ")))
	}
	return out
}
