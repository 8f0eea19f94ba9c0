package main

import (
	"fmt"
	"time"

	"loyalcheck/api"
	"loyalcheck/reports"
	"loyalcheck/reports/record"
)

// saveRun scrubs the apikey from a judged record and, when dir is set,
// writes it and its reports there, every file through the output safety
// net. What the target sent was already redacted where it came in
// (api.Redactor): this is the last line of defence.
func saveRun(rec *record.Record, dir, key string) (map[reports.Format]string, error) {
	red := api.NewRedactor(key)
	if _, err := rec.Scrub(red); err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, nil
	}
	paths, err := reports.WriteAll(dir, rec, reports.WithRedactor(red))
	if err != nil {
		return nil, fmt.Errorf("writing reports: %w", err)
	}
	return paths, nil
}

// runOutput is where a run's record and reports go besides the terminal.
type runOutput struct {
	dir string // the run directory: run.json and every report format
	// recordFile receives the record alone (contract --json, kept for
	// scripts written before contract had --out).
	recordFile string
	extra      []string         // other files the command wrote, listed with the reports
	opts       []reports.Option // of the terminal report
}

// finishRun judges a run record, writes it and its reports where out
// says, prints the terminal report and the paths, and returns the exit
// code of the verdict.
func finishRun(e *env, cmd string, rec *record.Record, key string, out runOutput) int {
	rec.Ended = nowUTC()
	reports.Judge(rec)
	paths, err := saveRun(rec, out.dir, key)
	if err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
		return exitFail
	}
	extra := out.extra
	if out.recordFile != "" {
		if err := writeRecordFile(e, out.recordFile, rec, key); err != nil {
			fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
			return exitFail
		}
		extra = append([]string{out.recordFile}, extra...)
	}
	if err := reports.Render(e.stdout, rec, reports.FormatText, out.opts...); err != nil {
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

// writeRecordFile writes the record alone, as run.json holds it, to path
// (contract --json), scrubbed and through the output safety net.
func writeRecordFile(e *env, path string, rec *record.Record, key string) error {
	if _, err := saveRun(rec, "", key); err != nil {
		return err
	}
	b, err := rec.Encode()
	if err == nil {
		err = e.writeFile(path, b)
	}
	if err != nil {
		return fmt.Errorf("--json: %w", err)
	}
	return nil
}

func nowUTC() time.Time { return time.Now().UTC() }
