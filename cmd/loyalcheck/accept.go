package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"loyalcheck/api"
	"loyalcheck/compare"
	"loyalcheck/contract"
	"loyalcheck/reports"
	"loyalcheck/reports/record"
)

const acceptHelp = `
The acceptance run: the contract suite (every rule 'loyalcheck rules'
lists, with evidence), then a load scenario (default: checkout, at its own modest rate
for 30 s) with the ledger audit, then the thresholds, then all reports into
--out: the run record and every format listed below, plus vegeta's
results.bin (requests), sessions.bin (sessions) and plot.html.

The verdict fails on any contract failure, ledger violation, contract
violation under load or breached threshold. A doc rule the contract suite
left unverified makes it INCOMPLETE (exit 1) unless accepted by name with
--accept-unverified. Thresholds come from the
scenario and from --slo, e.g. 'p99(retail)<300ms', 'p99.9(session)<1s',
'errors<0.1%', 'violations==0'.

Without --read-only the run WRITES to the target: the contract suite and
the default scenario hold, release and retail, so points are spent and
accrued on the fixture clients. With --read-only only search and recalc
are sent: contract checks that need a write are skipped ("read-only"), the
scenario defaults to read-only, and a scenario with hold, release or
retail steps is refused (exit 2).

With no --target it runs against the embedded sandbox. With --target it
needs --fixtures FILE and the apikey in LOYALCHECK_APIKEY (never a flag).
Ctrl-C stops the run: every hold the run made is released on a fresh
context (any it could not release is listed by id), and what was measured
is still judged and written.

Exit codes: 0 pass; 1 fail; 2 usage or configuration error (fixture
clients or points the target does not know); 3 the target is unreachable,
refuses the apikey or serves no loyalty API at that URL. A run stopped by 2
or 3 after the flags were read still writes run.json and junit.xml with the
reason.

With --baseline DIR (a run directory or its run.json, e.g. the last good
accept run kept by CI) the load is then compared with the baseline's as
'loyalcheck compare' compares them (--max-regression, e.g.
'p99(retail)+20%' or 'errors+0.5%', --confidence and --force as there: see
'loyalcheck compare --help'), the comparison goes into every report of
the run, and a regression fails the verdict (exit 1) naming the regressed
metrics. A baseline of another scenario (unless --force), or one without
latency histograms, is a usage error (exit 2) before anything is sent.`

func runAccept(ctx context.Context, e *env, args []string) int {
	const cmd = "accept"
	var tf targetFlags
	lf := loadFlags{readOnlyDefault: true}
	var cf contractFlags
	var color colorFlag
	var bf compareFlags
	fs := newFlags(e, cmd, "[--target URL --fixtures FILE] [--baseline DIR] [flags]", acceptHelp+formatsHelp(), noArgs{}, &tf, &lf, &cf, &color, &bf)
	out := fs.String("out", "", "directory for the record and reports (default runs/<UTC timestamp>)")
	baseline := fs.String("baseline", "", "compare the load with this run's (a run directory or run.json); a regression fails the verdict")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	setup, code := lf.resolve(e, cmd, &tf)
	if code != exitOK {
		return code
	}
	defer setup.close()
	var base *baselineRun
	if *baseline != "" {
		if base, code = readBaseline(e, cmd, *baseline, setup.scenario.Name, &bf); code != exitOK {
			return code
		}
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("runs", time.Now().UTC().Format("20060102-150405"))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usageErr(e, cmd, "--out: %v", err)
	}

	rec := record.New(record.KindAccept, toolVersion())
	tg, code := tf.open(ctx, e, cmd, api.WithMaxConns(api.DefaultMaxConns))
	if code != exitOK {
		return code
	}
	defer tg.close()
	key := tg.key(e)
	tg.describe(rec, setup.scenario)

	if _, st := checkTarget(ctx, e, cmd, tg); st != nil {
		return stopRun(e, cmd, rec, dir, key, st)
	}
	fmt.Fprintf(e.stderr, "accept: contract suite (profile %s)...\n", cf.prof)
	res, err := contract.Run(ctx, tg.client, tg.fixtures, append(cf.options(),
		contract.WithAPIKey(key), contract.WithValidator(setup.validator), contract.WithReadOnly(tf.readOnly))...)
	switch {
	case stoppedBy(err) != nil:
		return stopRun(e, cmd, rec, dir, key, stoppedBy(err))
	case err != nil && ctx.Err() == nil:
		fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, scrub(err, key))
		return exitFail
	}
	rec.Contract = res.Record()
	if res != nil {
		s := res.Summary
		fmt.Fprintf(e.stderr, "accept: contract: %s; %s in %s\n", s, res.Rules, res.Duration().Round(time.Millisecond))
	}

	var files []string
	if ctx.Err() == nil {
		fmt.Fprintf(e.stderr, "accept: load scenario %s...\n", setup.scenario.Name)
		lr, err := runLoadPhase(ctx, e, tg, setup, dir, false)
		switch {
		case ctx.Err() != nil && err != nil:
			// Interrupted during the load's setup: the contract's
			// findings are still judged and written below.
		case stoppedBy(err) != nil:
			// The contract suite ran: its findings go into the record too.
			return stopRun(e, cmd, rec, dir, key, stoppedBy(err))
		case err != nil:
			fmt.Fprintf(e.stderr, "loyalcheck %s: load: %v\n", cmd, scrub(err, key))
			return exitFail
		default:
			rec.Load = lr.summary.Record()
			rec.Thresholds = lr.thresholds
			files = lr.files
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "accept: interrupted; judging and writing what was measured")
	}
	if base != nil && rec.Load != nil {
		if code := base.compareWith(e, cmd, rec, &bf); code != exitOK {
			return code
		}
	}
	return finishRun(e, cmd, rec, key, runOutput{dir: dir, extra: files, opts: []reports.Option{reports.WithColor(color.on(e))}})
}

// baselineRun is accept --baseline's baseline, read before the run.
type baselineRun struct {
	side reports.ComparedRun
	rec  *record.Record
}

// readBaseline reads the baseline as compare reads BASE, and refuses one
// the run could not be compared with before anything is sent.
func readBaseline(e *env, cmd, path, scenario string, bf *compareFlags) (*baselineRun, int) {
	side, rec, err := comparedRun(path)
	if err != nil {
		return nil, usageErr(e, cmd, "--baseline: %v", err)
	}
	if rec.Load == nil {
		return nil, usageErr(e, cmd, "--baseline %s: the run holds no load to compare with (use a load or accept run)", path)
	}
	if side.Run.Scenario != scenario && !bf.force {
		return nil, usageErr(e, cmd, "--baseline %s: %v: the baseline ran scenario %q, this run runs %q (--force compares them anyway)", path, compare.ErrUnlike, side.Run.Scenario, scenario)
	}
	return &baselineRun{side: side, rec: rec}, exitOK
}

// compareWith judges the run's load against the baseline's, as compare
// does, and puts the comparison into the record: Judge fails the verdict
// on a regression.
func (b *baselineRun) compareWith(e *env, cmd string, rec *record.Record, bf *compareFlags) int {
	side, err := reports.ComparedRecord("this run", rec)
	if err != nil {
		return usageErr(e, cmd, "--baseline: %v", err)
	}
	c, err := bf.compare(b.side, side)
	if err != nil {
		return usageErr(e, cmd, "--baseline: %v", err)
	}
	rec.Comparison = reports.ComparisonRecord(c, b.rec)
	word := "no regression"
	if c.Result.Regression {
		word = "REGRESSION"
	}
	fmt.Fprintf(e.stderr, "accept: compared with the baseline %s: %s\n", b.side.Label, word)
	return exitOK
}
