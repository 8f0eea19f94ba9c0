package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"loyalcheck/reports"
	"loyalcheck/reports/record"
)

const reportHelp = `
Render a past run's report again from its run record, DIR/run.json,
without touching the target, in any format below (text by default). DIR
may also name the run.json file. --format all writes every report file
into DIR (or into --out DIR), leaving run.json as it is.

Nothing is measured or judged again: the reports show the verdict
recorded when the run ended.

The text report is coloured when stdout is a terminal and NO_COLOR is
unset; --color always or never decides instead. Files are never coloured.

Exit codes: 0 rendered, whatever the recorded verdict (with --exit-code:
1 when the recorded verdict is FAIL or INCOMPLETE, to fail a CI step on
it); 2 usage error, or DIR holds no readable run.json of a version this
loyalcheck reads.`

// formatsHelp lists the formats of the table, with their files.
func formatsHelp() string {
	var b strings.Builder
	b.WriteString("\n\nFormats (--format NAME, the file it has in a run directory):\n")
	for _, f := range reports.FormatSpecs() {
		name := string(f.Name)
		if len(f.Aliases) > 0 {
			name += " (" + strings.Join(f.Aliases, ", ") + ")"
		}
		fmt.Fprintf(&b, "  %-18s %-12s %s\n", name, f.File, f.About)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func runReport(ctx context.Context, e *env, args []string) int {
	const cmd = "report"
	names := strings.ReplaceAll(reports.FormatNames(), " or ", ", ")
	var color colorFlag
	fs := newFlags(e, cmd, "DIR [--format "+strings.ReplaceAll(names, ", ", "|")+"|all] [--out FILE]", reportHelp+formatsHelp(), &color)
	format := fs.StringP("format", "f", string(reports.FormatText), names+", or all (every report file into DIR)")
	out := fs.StringP("out", "o", "", "write to FILE instead of stdout (with --format all: into this directory)")
	exitCode := fs.Bool("exit-code", false, "exit 1 when the recorded verdict is FAIL or INCOMPLETE")
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
	rec, err := record.Read(dir)
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
		paths, err := reports.WriteFormats(into, rec, reports.ReportFormats(), reports.WithRedactor(e.red))
		if err != nil {
			fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
			return exitUsage
		}
		for _, f := range reports.ReportFormats() {
			fmt.Fprintf(e.stdout, "wrote %s\n", paths[f])
		}
	} else {
		var buf bytes.Buffer
		if err := reports.Render(&buf, rec, f, reports.WithColor(color.on(e) && *out == "")); err != nil {
			fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
			return exitUsage
		}
		if *out != "" {
			if err := e.writeFile(*out, buf.Bytes()); err != nil {
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
