package reports

import (
	"fmt"
	"io"
	"strings"

	"loyalcheck/contract"
	"loyalcheck/load"
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

func renderMarkdown(w io.Writer, r *Record) error {
	var b strings.Builder
	mdVerdict(&b, r)
	if r.Contract != nil {
		mdContract(&b, r.Contract)
	}
	if len(r.Thresholds) > 0 {
		mdThresholds(&b, r.Thresholds)
	}
	if r.Load != nil {
		mdLoad(&b, r.Load)
	}
	fmt.Fprintf(&b, "\n<sub>loyalcheck %s · run record v%d · %s · full report: report.html</sub>\n", mdEscape(r.Tool.Version), r.Version, fmtTime(r.Started))
	_, err := io.WriteString(w, printable(b.String()))
	return err
}

func mdVerdict(b *strings.Builder, r *Record) {
	icon := "✅"
	if !r.Verdict.Pass {
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
	if r.Scenario != nil || r.Load != nil {
		b.WriteString(" Scenario |")
	}
	b.WriteString("\n|---|---|---|")
	if r.Scenario != nil || r.Load != nil {
		b.WriteString("---|")
	}
	fmt.Fprintf(b, "\n| %s | %s, %s | %s |", mdEscape(targetText(r.Target)), fmtTime(r.Started), fmtDuration(r.Ended.Sub(r.Started)), mdEscape(fixturesText(r.Fixtures)))
	switch {
	case r.Load != nil:
		fmt.Fprintf(b, " %s, %s for %s |", mdEscape(r.Load.Scenario), mdEscape(r.Load.Pacer), r.Load.Duration)
	case r.Scenario != nil:
		fmt.Fprintf(b, " %s |", mdEscape(r.Scenario.Name))
	}
	b.WriteString("\n")
}

func mdContract(b *strings.Builder, c *contract.Result) {
	sum := summaryOf(c)
	fmt.Fprintf(b, "\n### Contract: %s (profile %s)\n\n", countText(sum), mdEscape(c.Profile))
	var failed, other []contract.Finding
	for _, g := range byArea(c.Findings) {
		for _, f := range g.Findings {
			switch f.Status {
			case contract.Fail:
				failed = append(failed, f)
			case contract.Warn, contract.Skip:
				other = append(other, f)
			}
		}
	}
	if len(failed) == 0 {
		fmt.Fprintf(b, "No rule failed: all %d checks that ran passed or warned.\n", sum.Pass+sum.Warn)
	} else {
		b.WriteString("| | Rule | Check | Endpoint | Finding |\n|---|---|---|---|---|\n")
		for i, f := range failed {
			if i == mdMaxRows {
				fmt.Fprintf(b, "| | | | | … and %d more failures (see report.html) |\n", len(failed)-mdMaxRows)
				break
			}
			fmt.Fprintf(b, "| ❌ | **%s** %s | %s | %s | %s |\n", mdEscape(f.Rule), f.Kind, mdEscape(f.Check), mdEscape(endpointOf(f)), mdEscape(oneLine(f.Message)))
		}
		b.WriteString("\n<details><summary>Evidence of the failures</summary>\n\n")
		n := 0
		for _, f := range failed {
			if f.Evidence == nil {
				continue
			}
			if n == mdMaxEvidence {
				fmt.Fprintf(b, "… evidence of the other failures is in report.html and run.json.\n\n")
				break
			}
			n++
			fmt.Fprintf(b, "**%s %s**: %s\n\n", mdEscape(f.Rule), mdEscape(f.Check), mdEscape(oneLine(f.Message)))
			mdFence(b, strings.Join(evidenceLines(f.Evidence, mdBodyMax), "\n"))
		}
		b.WriteString("</details>\n")
	}
	if len(other) > 0 {
		var warn, skip int
		for _, f := range other {
			if f.Status == contract.Warn {
				warn++
			} else {
				skip++
			}
		}
		fmt.Fprintf(b, "\n<details><summary>%s, %s skipped</summary>\n\n| | Rule | Check | Finding |\n|---|---|---|---|\n", plural(warn, "warning"), plural(skip, "check"))
		for i, f := range other {
			if i == mdMaxOther {
				fmt.Fprintf(b, "| | | | … and %d more |\n", len(other)-mdMaxOther)
				break
			}
			icon := "⚠️"
			if f.Status == contract.Skip {
				icon = "⏭️"
			}
			fmt.Fprintf(b, "| %s | %s %s | %s | %s |\n", icon, mdEscape(f.Rule), f.Kind, mdEscape(f.Check), mdEscape(oneLine(f.Message)))
		}
		b.WriteString("\n</details>\n")
	}
}

func mdThresholds(b *strings.Builder, ts []load.ThresholdResult) {
	fmt.Fprintf(b, "\n### Thresholds: %d of %d met\n\n| | Threshold | Measured |\n|---|---|---|\n", thresholdsPassed(ts), len(ts))
	for _, t := range ts {
		icon := "✅"
		if !t.Pass {
			icon = "❌"
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", icon, mdEscape(t.Expr), mdEscape(measuredText(t)))
	}
}

func mdLoad(b *strings.Builder, s *load.Summary) {
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
	l := s.Ledger
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
