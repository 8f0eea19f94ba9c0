package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"loyalcheck/reports"
)

const reportHelp = `
Render a past run's report again from its run record, DIR/run.json,
without touching the target: the terminal report (text, the default),
Markdown for a pull-request comment (md), the self-contained HTML report
(html), JUnit XML for CI (junit) or the record itself (json). DIR may also
name the run.json file. --format all writes report.txt, report.md,
report.html and junit.xml into DIR (or into --out DIR), leaving run.json
as it is.

Nothing is measured or judged again: the reports show the verdict
recorded when the run ended.

The text report is coloured when stdout is a terminal and NO_COLOR is
unset; --color always or never decides instead. Files are never coloured.

Exit codes: 0 rendered, whatever the recorded verdict (with --exit-code:
1 when the recorded verdict is FAIL, to fail a CI step on it); 2 usage
error, or DIR holds no readable run.json of a version this loyalcheck
reads.`

func runReport(ctx context.Context, e *env, args []string) int {
	const cmd = "report"
	fs := newFlags(e, cmd, "DIR [--format text|md|html|junit|json|all] [--out FILE]", reportHelp)
	format := fs.StringP("format", "f", "text", "text, md, html, junit, json, or all (every report file into DIR)")
	out := fs.StringP("out", "o", "", "write to FILE instead of stdout (with --format all: into this directory)")
	color := fs.String("color", "auto", "colour the text report: auto (a terminal and NO_COLOR unset), always or never")
	exitCode := fs.Bool("exit-code", false, "exit 1 when the recorded verdict is FAIL")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	switch fs.NArg() {
	case 0:
		return usageErr(e, cmd, "which run? give its directory (see 'loyalcheck report --help')")
	case 1:
	default:
		return usageErr(e, cmd, "unexpected argument %q", fs.Arg(1))
	}
	dir := fs.Arg(0)
	all := strings.EqualFold(strings.TrimSpace(*format), "all")
	var f reports.Format
	if !all {
		var err error
		if f, err = reports.ParseFormat(*format); err != nil {
			return usageErr(e, cmd, "--format: %v", err)
		}
	}
	var colorOn bool
	switch *color {
	case "auto":
		colorOn = e.stdoutIsTTY && e.getenv("NO_COLOR") == "" && *out == ""
	case "always":
		colorOn = true
	case "never":
	default:
		return usageErr(e, cmd, "--color: want auto, always or never, not %q", *color)
	}

	rec, err := reports.ReadRecord(dir)
	if err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
		return exitUsage
	}

	if all {
		into := *out
		if into == "" {
			into = dir
			if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
				into = filepath.Dir(dir)
			}
		}
		paths, err := reports.WriteFormats(into, rec, reports.FormatText, reports.FormatMarkdown, reports.FormatHTML, reports.FormatJUnit)
		if err != nil {
			fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
			return exitUsage
		}
		for _, f := range []reports.Format{reports.FormatText, reports.FormatMarkdown, reports.FormatHTML, reports.FormatJUnit} {
			fmt.Fprintf(e.stdout, "wrote %s\n", paths[f])
		}
	} else {
		var buf bytes.Buffer
		if err := reports.Render(&buf, rec, f, reports.WithColor(colorOn && f == reports.FormatText && *out == "")); err != nil {
			fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
			return exitUsage
		}
		if *out != "" {
			if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
				return usageErr(e, cmd, "--out: %v", err)
			}
		} else if _, err := e.stdout.Write(buf.Bytes()); err != nil {
			fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
			return exitFail
		}
	}
	if *exitCode && !rec.Verdict.Pass {
		return exitFail
	}
	return exitOK
}
