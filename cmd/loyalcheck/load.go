package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"loyalcheck/load"
	"loyalcheck/reports"
	"loyalcheck/reports/record"
)

const loadHelp = `
Replay a scenario's checkout sessions against the target at a set arrival
rate (an open model: a session starts when the pacer says, never when
another ends). Every step's latency is measured, every response is
schema-validated, and after the run a ledger audit proves that no point was
lost or double-spent (rules L1-L3, see 'loyalcheck rules L1 L2 L3').

--scenario takes a built-in name (see 'loyalcheck scenarios'; default
checkout, as for accept and capacity) or a YAML file. --rate is session starts per time unit, as vegeta writes it (50/1s,
50/s, 50). --slo adds thresholds to the scenario's, e.g.
'p99(retail)<300ms', 'p99.9(session)<1s', 'errors<0.1%', 'violations==0'.

With --out DIR it writes results.bin (every request, in vegeta's format:
'vegeta report results.bin' counts the requests loyalcheck counts),
sessions.bin (every session as one result, the same format), summary.json,
vegeta's plot.html, and the run record with every format listed below
('loyalcheck report DIR' renders them again).

Without --read-only most scenarios WRITE to the target: holds, releases and
retails spend and accrue points on the fixture clients. With --read-only
only scenarios of search and recalc steps are accepted (e.g. read-only);
any other is refused with exit 2.

Live progress goes to stderr when it is a terminal. Ctrl-C stops starting
sessions, lets those in flight finish (--drain; a hold or retail already
sent still gets its answer), releases every hold the run made (also those a
too short --drain cut off), lists by id any it could not release, still
audits the ledger and writes everything measured.

Exit codes: 0 pass; 1 ledger violation, contract violation under load or a
breached threshold; 2 usage or configuration error (fixture clients or
points the target does not know); 3 target unreachable, refusing the apikey
(LOYALCHECK_APIKEY) or serving no loyalty API at that URL. With --out, a
run stopped by 2 or 3 still writes run.json and junit.xml with the reason.`

func runLoad(ctx context.Context, e *env, args []string) int {
	var tf targetFlags
	var lf loadFlags
	var color colorFlag
	var sf shardFlags
	var pf profileFlags
	var out string
	fs := newFlags(e, "load", "[--scenario NAME|FILE] [flags] | --plan DIR/plan.json [--shard I]", loadHelp+formatsHelp(), noArgs{}, &lf, &tf, &color, &sf, &pf)
	fs.StringVar(&out, "out", "", "directory for results.bin, sessions.bin, summary.json, plot.html and the reports")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	stopProfile, code := pf.start(e, "load")
	if code != exitOK {
		return code
	}
	defer stopProfile()
	if sf.plan != "" {
		return runShard(ctx, e, &sf, out)
	}
	setup, code := lf.resolve(e, "load", &tf)
	if code != exitOK {
		return code
	}
	defer setup.close()
	if out != "" {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return usageErr(e, "load", "--out: %v", err)
		}
	}
	useColor := color.on(e)
	tg, code := tf.open(ctx, e, "load")
	if code != exitOK {
		return code
	}
	defer tg.close()

	rec := tg.describe(record.New(record.KindLoad, toolVersion()), setup.scenario)
	pre, st := checkTarget(ctx, e, "load", tg)
	if st != nil {
		return stopRun(e, "load", rec, out, tg.key(e), st)
	}
	// Nothing ran since the preflight: its searches are the setup's.
	setup.opts = append(setup.opts, load.WithPreflight(pre))
	res, err := runLoadPhase(ctx, e, tg, setup, out, true)
	if err != nil {
		return runFailed(e, "load", rec, out, tg.key(e), err)
	}
	rec.Load = res.summary.Record()
	rec.Thresholds = res.thresholds
	return finishRun(e, "load", rec, tg.key(e), runOutput{dir: out, extra: res.files, opts: []reports.Option{reports.WithColor(useColor)}})
}

type loadResult struct {
	summary    *load.Summary
	thresholds []load.ThresholdResult
	files      []string
}

// The results files of a load run, both in vegeta's encoding: one result
// per request in results.bin, so that 'vegeta report results.bin' counts
// what loyalcheck counts; one per session in sessions.bin.
const (
	resultsFile  = "results.bin"
	sessionsFile = "sessions.bin"
)

// runLoadPhase runs the load with live progress and writes the results
// files, summary and plot into out (when set).
func runLoadPhase(ctx context.Context, e *env, tg *target, setup *loadSetup, out string, writeSummary bool) (*loadResult, error) {
	opts := append([]load.Option{}, setup.opts...)
	var rf, sf *load.ResultsFile
	if out != "" {
		var err error
		if rf, err = load.CreateResults(filepath.Join(out, resultsFile)); err != nil {
			return nil, err
		}
		if sf, err = load.CreateResults(filepath.Join(out, sessionsFile)); err != nil {
			rf.Close()
			return nil, err
		}
		opts = append(opts, load.WithResults(rf.Encode), load.WithSessionResults(sf.Encode))
	}
	if e.stderrIsTTY {
		opts = append(opts, load.WithProgress(500*time.Millisecond, func(p load.Progress) { printProgress(e, p) }))
	}
	run := setup.run
	if run == nil {
		run = load.Run
	}
	sum, err := run(ctx, tg.client, tg.fixtures, setup.scenario, opts...)
	if e.stderrIsTTY {
		fmt.Fprint(e.stderr, "\r\033[K")
		flushOut(e.stderr)
	}
	if rf != nil {
		err = errors.Join(err, rf.Close(), sf.Close())
	}
	if err != nil {
		return nil, err
	}
	res := &loadResult{summary: sum, thresholds: load.EvaluateAll(setup.thresholds, sum)}
	if out != "" {
		if res.files, err = writeLoadFiles(e, out, res, writeSummary); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// summaryFile is a load run's summary, thresholds included.
const summaryFile = "summary.json"

// writeLoadFiles writes the plot of the results files already in out
// and, when writeSummary, summary.json; it returns every file of the run
// besides the reports.
func writeLoadFiles(e *env, out string, res *loadResult, writeSummary bool) ([]string, error) {
	sum := res.summary
	results, sessions := filepath.Join(out, resultsFile), filepath.Join(out, sessionsFile)
	files := []string{results, sessions}
	pp := filepath.Join(out, "plot.html")
	var plot bytes.Buffer
	if err := load.WritePlot(&plot, "loyalcheck "+sum.Scenario, results, sessions); err != nil {
		return nil, err
	}
	if err := e.writeFile(pp, plot.Bytes()); err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	files = append(files, pp)
	if !writeSummary {
		return files, nil
	}
	b, err := json.MarshalIndent(struct {
		*load.Summary
		Thresholds []load.ThresholdResult `json:"thresholds"`
	}{sum, res.thresholds}, "", "  ")
	if err != nil {
		return nil, err
	}
	sp := filepath.Join(out, summaryFile)
	if err := e.writeFile(sp, append(b, '\n')); err != nil {
		return nil, err
	}
	return append(files, sp), nil
}

func printProgress(e *env, p load.Progress) {
	fmt.Fprintf(e.stderr, "\r\033[K%s/%s  sessions %.1f/s of %.1f/s  in flight %d  dropped %d  requests %d  errors %d  violations %d  p99(session) %s",
		p.Elapsed.Truncate(100*time.Millisecond), p.Duration, p.AchievedRate, p.AskedRate, p.InFlight, p.Dropped, p.Requests, p.Errors, p.Violations, p.SessionP99.Truncate(10*time.Microsecond))
	flushOut(e.stderr)
}
