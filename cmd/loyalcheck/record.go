package main

import (
	"fmt"
	"time"

	"loyalcheck/reports"
)

// finishRun judges a run record, writes it and its reports into dir (when
// set), prints the terminal report and the paths, and returns the exit
// code of the verdict. The apikey is scrubbed from the record before
// anything is written, in case a target echoed it back.
func finishRun(e *env, cmd string, rec *reports.Record, dir, key string, color bool, extra []string) int {
	rec.Ended = nowUTC()
	rec.Judge()
	if _, err := rec.Scrub(key); err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
		return exitFail
	}
	var paths map[reports.Format]string
	if dir != "" {
		var err error
		if paths, err = reports.WriteAll(dir, rec); err != nil {
			fmt.Fprintf(e.stderr, "loyalcheck %s: writing reports: %v\n", cmd, err)
			return exitFail
		}
	}
	if err := reports.Render(e.stdout, rec, reports.FormatText, reports.WithColor(color)); err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
	}
	if len(paths) > 0 || len(extra) > 0 {
		fmt.Fprintln(e.stdout, "\nwritten:")
		for _, f := range reports.Formats() {
			if p, ok := paths[f]; ok {
				fmt.Fprintf(e.stdout, "  %-7s %s\n", f, p)
			}
		}
		for _, p := range extra {
			fmt.Fprintf(e.stdout, "  %-7s %s\n", "", p)
		}
	}
	verdict := "verdict: " + rec.Verdict.Word()
	if p, ok := paths[reports.FormatHTML]; ok {
		verdict += " — open " + p
	}
	fmt.Fprintln(e.stdout, "\n"+verdict)
	if !rec.Verdict.Pass {
		return exitFail
	}
	return exitOK
}

func nowUTC() time.Time { return time.Now().UTC() }
