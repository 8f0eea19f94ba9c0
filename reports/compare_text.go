package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"loyalcheck/compare"
)

// renderCompareText is the terminal report of a comparison: the verdict
// first, what differs between the runs said loudly, then a table per
// series with BASE and NEW side by side and each judged metric's reason.
func renderCompareText(w io.Writer, c *Comparison) error {
	var b strings.Builder
	fmt.Fprintf(&b, "loyalcheck compare: %s\n", c.verdictWord())
	for _, r := range c.regressions() {
		fmt.Fprintf(&b, "  - %s\n", oneLine(r))
	}
	fmt.Fprintf(&b, "\nBASE %s\nNEW  %s\n", oneLine(runLine(c.Base)), oneLine(runLine(c.New)))
	for _, warn := range c.Result.Warnings {
		fmt.Fprintf(&b, "WARNING: %s\n", oneLine(warn))
	}
	for _, s := range c.series() {
		fmt.Fprintf(&b, "\n%s\n", s.Name)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "\t  BASE\t  NEW\t  change\t  rel\t verdict\t")
		for _, f := range s.Figures {
			abs, rel := f.change()
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t %s\t\n", f.Stat, f.value(f.Base, f.HasBase), f.value(f.New, f.HasNew), abs, rel, f.verdict())
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, f := range s.Figures {
			if f.Metric != nil {
				fmt.Fprintf(&b, "  %s %s: %s\n", f.Metric.Name, f.Metric.Verdict, oneLine(f.Metric.Reason))
			}
		}
	}
	if all := c.overall(); len(all) > 0 {
		b.WriteString("\nall steps\n")
		for _, m := range all {
			fmt.Fprintf(&b, "  %s %s: %s\n", m.Name, m.Verdict, oneLine(m.Reason))
		}
	}
	if d := c.Result.Contract; d != nil {
		b.WriteString("\ncontract\n")
		for _, l := range contractLines(d) {
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	fmt.Fprintf(&b, "\nMethod (confidence %s): %s\n", fmtPct(c.Result.Confidence), c.Result.Method)
	fmt.Fprintf(&b, "\nverdict: %s\n", c.verdictWord())
	_, err := io.WriteString(w, printable(b.String()))
	return err
}

// contractLines lists the rule diff, one line per kind of change.
func contractLines(d *compare.ContractDiff) []string {
	var out []string
	for _, g := range []struct {
		what string
		ids  []string
	}{
		{"regressed (passed in BASE, fail in NEW)", d.Regressed},
		{"fixed (failed in BASE, pass in NEW)", d.Fixed},
		{"still failing", d.StillFailing},
		{"failing in NEW, not verified in BASE", d.NewlyFailing},
		{"verified in BASE, not in NEW", d.Unverified},
	} {
		ids := "none"
		if len(g.ids) > 0 {
			ids = strings.Join(g.ids, ", ")
		}
		out = append(out, g.what+": "+oneLine(ids))
	}
	return out
}

// renderCompareMarkdown is the comparison as a pull-request comment.
func renderCompareMarkdown(w io.Writer, c *Comparison) error {
	var b strings.Builder
	icon := "✅"
	if c.Result.Regression {
		icon = "❌"
	}
	fmt.Fprintf(&b, "## %s loyalcheck compare: %s\n\n", icon, c.verdictWord())
	for _, r := range c.regressions() {
		fmt.Fprintf(&b, "- %s\n", mdEscape(r))
	}
	fmt.Fprintf(&b, "\n- **BASE** %s\n- **NEW** %s\n", mdEscape(runLine(c.Base)), mdEscape(runLine(c.New)))
	if len(c.Result.Warnings) > 0 {
		b.WriteString("\n> [!WARNING]\n> The runs differ:\n")
		for _, warn := range c.Result.Warnings {
			fmt.Fprintf(&b, "> - %s\n", mdEscape(warn))
		}
	}
	for _, s := range c.series() {
		fmt.Fprintf(&b, "\n### %s\n\n| | BASE | NEW | change | rel | verdict |\n|---|---:|---:|---:|---:|---|\n", mdEscape(s.Name))
		for _, f := range s.Figures {
			abs, rel := f.change()
			v := f.verdict()
			if f.Metric != nil && f.Metric.Verdict == compare.Regression {
				v = "**" + v + "**"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", f.Stat, f.value(f.Base, f.HasBase), f.value(f.New, f.HasNew), abs, rel, v)
		}
		b.WriteString("\n<details><summary>reasons</summary>\n\n")
		for _, f := range s.Figures {
			if f.Metric != nil {
				fmt.Fprintf(&b, "- `%s` %s: %s\n", f.Metric.Name, f.Metric.Verdict, mdEscape(f.Metric.Reason))
			}
		}
		b.WriteString("\n</details>\n")
	}
	if all := c.overall(); len(all) > 0 {
		b.WriteString("\n### all steps\n\n")
		for _, m := range all {
			fmt.Fprintf(&b, "- `%s` %s: %s\n", m.Name, m.Verdict, mdEscape(m.Reason))
		}
	}
	if d := c.Result.Contract; d != nil {
		b.WriteString("\n### contract\n\n")
		for _, l := range contractLines(d) {
			fmt.Fprintf(&b, "- %s\n", mdEscape(l))
		}
	}
	fmt.Fprintf(&b, "\n<details><summary>Method (confidence %s)</summary>\n\n%s\n\n</details>\n", fmtPct(c.Result.Confidence), mdEscape(c.Result.Method))
	_, err := io.WriteString(w, b.String())
	return err
}
