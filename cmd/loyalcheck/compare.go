package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"loyalcheck/reports"
)

const compareHelp = `
Compare two runs of one scenario: is NEW worse than BASE? BASE and NEW are
run directories (or their run.json files) written by load, accept or
contract with --out. Nothing is sent to any target.

For each step and for whole sessions: count, p50/p90/p99/p99.9, max, error
rate and throughput side by side, with the absolute and relative change
and, for every judged metric (p50, p90, p99 and the error rate by
default), a verdict and its reason. A change is a regression only when it
is statistically significant at --confidence (order-statistic confidence
intervals of quantiles from the runs' HDR histograms; a two-proportion
test for error rates) AND larger than its bound: by default +20% and
+5ms for a latency quantile, +0.1 percentage point for an error rate.
--max-regression changes a bound, with --slo's metric and step names:

  p99(retail)+20%    p99 of retail may grow by 20% (the +5ms floor stays)
  p50(session)+5ms   the median session may grow by 5ms
  p99.9(recalc)+30%  judge p99.9 of recalc too (it needs thousands of samples)
  errors+0.5%        the error rate over all steps may grow by 0.5 point

Too few samples for a quantile is "not judged", never a regression. A
contract rule that passed in BASE and fails in NEW is a regression.

Runs that differ (rate, duration, target, steps) are compared with a
warning; runs of different scenarios are refused unless --force.

Exit codes: 0 no regression, 1 regression, 2 usage error, unreadable or
incomparable runs (a run.json without histograms: re-run it).`

func comparisonFormatNames() string {
	var names []string
	for _, f := range reports.ComparisonFormats() {
		names = append(names, string(f.Name))
	}
	return strings.Join(names, ", ")
}

func runCompare(ctx context.Context, e *env, args []string) int {
	const cmd = "compare"
	names := comparisonFormatNames()
	var files strings.Builder
	for _, f := range reports.ComparisonFormats() {
		fmt.Fprintf(&files, "\n  %-6s %-18s %s", f.Name, f.File, f.About)
	}
	var cf compareFlags
	fs := newFlags(e, cmd, "BASE NEW [--max-regression EXPR]... [--format "+strings.ReplaceAll(names, ", ", "|")+"] [--out DIR]",
		compareHelp+"\n\nFormats (--format NAME, its file in --out DIR):"+files.String(), &cf)
	formats := fs.StringSliceP("format", "f", nil, names+" (repeatable or comma-separated; default text, or every format with --out)")
	out := fs.StringP("out", "o", "", "write the formats into `DIR` (compare.txt, compare.md, ...) and print the text report")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() != 2 {
		return usageErr(e, cmd, "want two runs, BASE and NEW (run directories or run.json files); got %d arguments", fs.NArg())
	}
	var fmts []reports.Format
	for _, name := range *formats {
		f, err := reports.ParseFormat(name)
		if err == nil {
			if _, ok := reports.ComparisonFormatOf(f); !ok {
				err = fmt.Errorf("unknown format %q (want %s)", name, names)
			}
		}
		if err != nil {
			return usageErr(e, cmd, "--format: %v", err)
		}
		fmts = append(fmts, f)
	}
	var sides [2]reports.ComparedRun
	for i, p := range fs.Args() {
		var err error
		if sides[i], _, err = comparedRun(p); err != nil {
			return usageErr(e, cmd, "%s: %v", []string{"BASE", "NEW"}[i], err)
		}
	}
	c, err := cf.compare(sides[0], sides[1])
	if err != nil {
		return usageErr(e, cmd, "%v", err)
	}
	res := c.Result

	if *out != "" {
		if len(fmts) == 0 {
			for _, f := range reports.ComparisonFormats() {
				fmts = append(fmts, f.Name)
			}
		}
		paths, err := reports.WriteComparison(*out, c, fmts, reports.WithRedactor(e.red))
		if err != nil {
			return usageErr(e, cmd, "--out: %v", err)
		}
		if err := reports.RenderComparison(e.stdout, c, reports.FormatText); err != nil {
			fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
		}
		fmt.Fprintln(e.stdout, "\nwritten:")
		for _, f := range fmts {
			fmt.Fprintf(e.stdout, "  %-6s %s\n", f, paths[f])
		}
	} else {
		if len(fmts) == 0 {
			fmts = []reports.Format{reports.FormatText}
		}
		for _, f := range fmts {
			var buf bytes.Buffer
			if err := reports.RenderComparison(&buf, c, f); err != nil {
				fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
				return exitUsage
			}
			if _, err := e.stdout.Write(buf.Bytes()); err != nil {
				fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
				return exitFail
			}
		}
	}
	if res.Regression {
		return exitFail
	}
	return exitOK
}
