package reports

import (
	"fmt"
	"io"
	"strings"

	"loyalcheck/reports/record"
)

// The Markdown report fits a pull-request comment: the verdict and why,
// the failed rules, the thresholds, the latency per step and the ledger in
// one line; evidence and warnings are folded in <details>. It stays well
// under GitHub's 65536-character limit for comments by capping the rows
// it lists (everything is in run.json and the HTML report).

const (
	mdMaxRows     = 40   // failed findings listed
	mdMaxEvidence = 10   // failures whose evidence is shown
	mdMaxOther    = 40   // warnings and skips listed
	mdBodyMax     = 1200 // a request or response body in evidence
)

func renderMarkdown(w io.Writer, r *record.Record) error {
	var b strings.Builder
	mdVerdict(&b, r)
	if r.Contract != nil {
		mdContract(&b, r.Contract)
	}
	if r.Capacity != nil {
		mdCapacity(&b, r.Capacity)
	}
	if len(r.Thresholds) > 0 {
		mdThresholds(&b, r.Thresholds, thresholdsAt(r))
	}
	if r.Load != nil {
		mdLoad(&b, r.Load)
	}
	if r.Comparison != nil {
		b.WriteString("\n## Compared with the baseline\n\n")
		b.WriteString(comparisonText(r, renderCompareMarkdown))
	}
	fmt.Fprintf(&b, "\n<sub>loyalcheck %s · run record v%d · %s · full report: report.html</sub>\n", mdEscape(r.Tool.Version), r.Version, fmtTime(r.Started))
	_, err := io.WriteString(w, printable(b.String()))
	return err
}

func mdVerdict(b *strings.Builder, r *record.Record) {
	icon := "✅"
	switch {
	case r.Verdict.Incomplete:
		icon = "❓"
	case !r.Verdict.Pass:
		icon = "❌"
	}
	fmt.Fprintf(b, "## %s loyalcheck %s: %s\n\n", icon, mdEscape(r.Kind), r.Verdict.Word())
	for _, s := range r.Verdict.Reasons {
		fmt.Fprintf(b, "- %s\n", mdEscape(s))
	}
	if len(r.Verdict.Reasons) > 0 {
		b.WriteString("\n")
	}
	for _, s := range r.Verdict.Notes {
		fmt.Fprintf(b, "> ⚠️ %s\n>\n", mdEscape(s))
	}
	if len(r.Verdict.Notes) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("| Target | Run | Fixtures |")
	if r.Scenario != nil || r.Load != nil || r.Capacity != nil {
		b.WriteString(" Scenario |")
	}
	b.WriteString("\n|---|---|---|")
	if r.Scenario != nil || r.Load != nil || r.Capacity != nil {
		b.WriteString("---|")
	}
	fmt.Fprintf(b, "\n| %s | %s, %s | %s |", mdEscape(targetText(r.Target)), fmtTime(r.Started), fmtDuration(r.Ended.Sub(r.Started)), mdEscape(fixturesText(r.Fixtures)))
	switch {
	case r.Load != nil:
		fmt.Fprintf(b, " %s, %s for %s |", mdEscape(r.Load.Scenario), mdEscape(pacerText(r.Load.Pacer)), r.Load.Duration)
	case r.Capacity != nil:
		fmt.Fprintf(b, " %s, capacity search |", mdEscape(r.Capacity.Scenario))
	case r.Scenario != nil:
		fmt.Fprintf(b, " %s |", mdEscape(r.Scenario.Name))
	}
	b.WriteString("\n")
}

func mdContract(b *strings.Builder, c *record.Contract) {
	sum := c.Summary
	fmt.Fprintf(b, "\n### Contract: %s; %s (profile %s)\n\n", sum.String(), c.Rules.String(), mdEscape(c.Profile))
	var failed, other []record.CheckVerdict
	for _, g := range c.Areas {
		for _, ch := range g.Checks {
			switch ch.Status {
			case record.Fail:
				failed = append(failed, ch)
			case record.Warn, record.Skip:
				other = append(other, ch)
			}
		}
	}
	if len(failed) == 0 {
		fmt.Fprintf(b, "No rule failed: all %d checks that ran passed or warned.\n", sum.Pass+sum.Warn)
	} else {
		b.WriteString("| | Rule | Check | Endpoint | Finding |\n|---|---|---|---|---|\n")
		for i, ch := range failed {
			if i == mdMaxRows {
				fmt.Fprintf(b, "| | | | | … and %d more failed checks (see report.html) |\n", len(failed)-mdMaxRows)
				break
			}
			cases := ch.ProblemCases()
			msg := oneLine(cases[0].Message)
			if len(cases) > 1 {
				msg = fmt.Sprintf("%d cases failed, e.g. %s", len(cases), msg)
			}
			fmt.Fprintf(b, "| ❌ | **%s** %s | %s | %s | %s |\n", mdEscape(ch.Rule), ch.Kind, mdEscape(ch.Check), mdEscape(endpointOf(cases[0])), mdEscape(msg))
		}
		b.WriteString("\n<details><summary>Evidence of the failures</summary>\n\n")
		n := 0
	evidence:
		for _, ch := range failed {
			for _, f := range ch.ProblemCases() {
				if f.Evidence == nil {
					continue
				}
				if n == mdMaxEvidence {
					fmt.Fprintf(b, "… evidence of the other failures is in report.html and run.json.\n\n")
					break evidence
				}
				n++
				fmt.Fprintf(b, "**%s %s**: %s\n\n", mdEscape(f.Rule), mdEscape(f.Check), mdEscape(oneLine(f.Message)))
				mdFence(b, strings.Join(evidenceLines(f.Evidence, mdBodyMax), "\n"))
			}
		}
		b.WriteString("</details>\n")
	}
	if notes := c.CoverageNotes; len(notes) > 0 {
		b.WriteString("\n**Rules not fully verified**\n\n| State | Rules | Why |\n|---|---|---|\n")
		for _, n := range notes {
			icon := "⏭️"
			if n.State == record.Unverified {
				icon = "❓"
			}
			fmt.Fprintf(b, "| %s %s | %s | %s |\n", icon, n.Label(), mdEscape(n.RuleList()), mdEscape(oneLine(n.Reason)))
		}
		if len(c.AcceptUnverified) > 0 {
			fmt.Fprintf(b, "\nAccepted unverified by `--accept-unverified %s`.\n", mdEscape(strings.Join(c.AcceptUnverified, ",")))
		}
	}
	if len(other) > 0 {
		var warn, skip int
		for _, ch := range other {
			if ch.Status == record.Warn {
				warn++
			} else {
				skip++
			}
		}
		fmt.Fprintf(b, "\n<details><summary>%s, %s skipped</summary>\n\n| | Rule | Check | Finding |\n|---|---|---|---|\n", plural(warn, "warning"), plural(skip, "check"))
		rows := 0
	rows:
		for i, ch := range other {
			icon := "⚠️"
			if ch.Status == record.Skip {
				icon = "⏭️"
			}
			for _, f := range ch.ProblemCases() {
				if rows == mdMaxOther {
					fmt.Fprintf(b, "| | | | … and more in %s (see report.html) |\n", plural(len(other)-i, "check"))
					break rows
				}
				rows++
				fmt.Fprintf(b, "| %s | %s %s | %s | %s |\n", icon, mdEscape(f.Rule), f.Kind, mdEscape(f.Check), mdEscape(oneLine(f.Message)))
			}
		}
		b.WriteString("\n</details>\n")
	}
}

func mdThresholds(b *strings.Builder, ts []record.ThresholdResult, at string) {
	if at != "" {
		at = " " + at
	}
	fmt.Fprintf(b, "\n### Thresholds%s: %d of %d met\n\n| | Threshold | Measured |\n|---|---|---|\n", mdEscape(at), thresholdsPassed(ts), len(ts))
	for _, t := range ts {
		icon := "✅"
		if !t.Pass {
			icon = "❌"
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", icon, mdEscape(t.Expr), mdEscape(measuredText(t)))
	}
}

func mdLoad(b *strings.Builder, s *record.Load) {
	ss := s.Sessions
	fmt.Fprintf(b, "\n### Latency per step (ms)\n\n%d sessions started (%.1f/s of %.1f/s asked), %d dropped, %d failed; %.1f requests/s.",
		ss.Started, s.AchievedRate, s.AskedRate, ss.Dropped, ss.Failed, s.RequestRate)
	if s.Interrupted {
		b.WriteString(" **Interrupted.**")
	}
	b.WriteString("\n\n| Step | Requests | Success | Errors | Violations | p50 | p90 | p95 | p99 | p99.9 | max |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, m := range stepRows(s) {
		l := m.Latency
		fmt.Fprintf(b, "| %s | %d | %s | %d | %d | %s | %s | %s | %s | %s | %s |\n", mdEscape(rowName(m)), m.Requests, fmtPct(m.Success), m.Unexpected, m.Violations,
			fmtMs(l.P50), fmtMs(l.P90), fmtMs(l.P95), fmtMs(l.P99), fmtMs(l.P999), fmtMs(l.Max))
	}
	if len(s.Violations) > 0 {
		b.WriteString("\n**Contract violations under load**\n\n| Step | Rule | Count | Example |\n|---|---|--:|---|\n")
		for _, v := range s.Violations {
			fmt.Fprintf(b, "| %s | %s | %d | %s |\n", mdEscape(v.Step), mdEscape(v.Rule), v.Count, mdEscape(clip(oneLine(v.Example), 200)))
		}
	}
	mdLedger(b, s.Ledger)
}

// mdLedger writes the ledger audit in one line, and its findings.
func mdLedger(b *strings.Builder, l record.Ledger) {
	icon := "✅"
	switch {
	case l.Skipped != "":
		icon = "⚠️"
	case len(ledgerGroups(l.Findings, "fail")) > 0:
		icon = "❌"
	case len(l.Findings) > 0:
		icon = "⚠️"
	}
	fmt.Fprintf(b, "\n**Ledger:** %s %s\n", icon, mdEscape(ledgerLine(l)))
	if len(l.Findings) > 0 {
		b.WriteString("\n| | Rule | Client | Finding |\n|---|---|---|---|\n")
		for i, f := range l.Findings {
			if i == mdMaxRows {
				fmt.Fprintf(b, "| | | | … and %d more |\n", len(l.Findings)-mdMaxRows)
				break
			}
			icon := "❌"
			if f.Status != "fail" {
				icon = "⚠️"
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", icon, mdEscape(f.Rule), mdEscape(f.Client), mdEscape(oneLine(f.Message)))
		}
	}
}

func mdCapacity(b *strings.Builder, c *record.Capacity) {
	title := "none found"
	switch {
	case capacityOK(c) && c.FirstFailing == 0:
		title = fmt.Sprintf("at least %s sessions/s", record.FormatRate(c.MaxPassing))
	case capacityOK(c) || c.Found:
		title = fmt.Sprintf("%s sessions/s", record.FormatRate(c.MaxPassing))
	case c.Ledger.Failed:
		title = "none (the ledger audit failed)"
	}
	icon := "✅"
	if !capacityOK(c) {
		icon = "❌"
	}
	fmt.Fprintf(b, "\n### Capacity: %s\n\n%s %s\n\n", mdEscape(title), icon, mdEscape(capacityHeadline(c)))
	fmt.Fprintf(b, "Stopped (%s): %s\n", mdEscape(c.Stopped), mdEscape(c.Note))
	if len(c.Steps) > 0 {
		b.WriteString("\n| | # | Step | Asked/s | Achieved/s | Req/s | p50 | p99 | p99.9 | Errors | Violations | Why |\n|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
		pass, fail := kneeN(c.PassingStep(), c.Found), kneeN(c.FailingStep(), true)
		for i, st := range stepsByRate(c) {
			if i == mdMaxRows {
				fmt.Fprintf(b, "| | | | | | | | | | | | … and %d more steps (see report.html) |\n", len(c.Steps)-mdMaxRows)
				break
			}
			status, _ := stepStatus(st)
			icon := map[string]string{"pass": "✅", "fail": "❌", "skip": "⏭️"}[status]
			var why []string
			switch st.N {
			case pass:
				why = append(why, "**capacity**")
			case fail:
				why = append(why, "**first failing**")
			}
			if status != "pass" {
				for _, r := range st.Reasons {
					why = append(why, mdEscape(shortReason(r)))
				}
			}
			fmt.Fprintf(b, "| %s | %d | %s %s | %s | %s | %.1f | %s | %s | %s | %s | %d | %s |\n", icon, st.N, mdEscape(st.Phase), st.Duration, record.FormatRate(st.Asked), record.FormatRate(st.Achieved), st.RequestRate,
				fmtMs(st.Session.P50), fmtMs(st.Session.P99), fmtMs(st.Session.P999), fmtPct(st.ErrorFraction), st.ViolationTotal(), strings.Join(why, "; "))
		}
		b.WriteString("\nLatencies of whole sessions, in ms; steps in rate order, # the order they ran.\n")
	}
	mdLedger(b, c.Ledger)
}

// mdEscape makes text safe in a table cell or a line of Markdown: HTML
// special characters become entities and Markdown punctuation is
// backslash-escaped, so a server's answer cannot format the comment.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range printable(s) {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '|', '\\', '`', '*', '_', '[', ']', '#', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdFence writes text as a fenced code block whose fence is longer than
// any run of backticks in it.
func mdFence(b *strings.Builder, text string) {
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	fmt.Fprintf(b, "%s\n%s\n%s\n\n", fence, text, fence)
}
