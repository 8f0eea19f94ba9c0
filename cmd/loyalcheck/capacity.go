package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"loyalcheck/load"
	"loyalcheck/reports"
	"loyalcheck/reports/record"
	"loyalcheck/scenarios"
)

const capacityHelp = `
How many sessions per second can the target take before an SLO breaks?
The search runs one step of load per rate, each a constant arrival rate
(the first --warmup of it left out of the figures). Short probe steps
(--probe-duration) grow the rate by --growth from --start until one fails;
then steps of --step-duration bisect between the highest passing and the
lowest failing rate until they are within --tolerance, and the rate
reported as passing is always confirmed by a full step. A step that would
not end within --budget is not started.

A step passes when every SLO holds, no more than 0.1% of requests fail
unexpectedly (unless an SLO on errors or success over all requests is
given, which then decides), at least 95% of the asked session starts
happen, no session is dropped (--max-in-flight) and no contract rule is
broken. The SLOs are the --slo flags; with none, the scenario's own. A
step where most requests fail before any rate passed stops the search: the
target is broken, not busy.

Every response is checked as in 'loyalcheck load' and the ledger is audited
once at the end, over all steps: a target that loses or double-spends
points gets no capacity figure.

Rates are session starts per second, written as vegeta does (10/s, 5/2s).
A session's latency counts from its scheduled start to its last answer,
less the scenario's own think times, so 'p99(session)<200ms' bounds the
time the target makes a whole checkout wait.

With --out DIR it writes the run record and its reports: run.json (with
the capacity section: every step, the highest passing and first failing
rates, the ledger audit) and every format listed below (the HTML plots
latency and errors against the offered rate, the knee marked; JUnit has
a test case per step); 'loyalcheck report DIR' renders them again. The record's thresholds are the SLOs as measured at the highest
passing step.

Without --read-only most scenarios WRITE to the target (points spent and
accrued on the fixture clients); with --read-only the scenario defaults to
read-only, and one with hold, release or retail steps is refused (exit 2).

Ctrl-C stops the search; what was found so far is reported, every hold the
run made is released (any that could not be is listed by id) and the
ledger is still audited.

Exit codes: 0 a capacity was found and nothing broke a rule; 1 no rate
passed, the target is broken, or the ledger or the contract failed; 2
usage or configuration error (fixture clients or points the target does
not know); 3 target unreachable, refusing the apikey or serving no loyalty
API at that URL. With --out, a run stopped by 2 or 3 still writes run.json
and junit.xml with the reason.`

func runCapacity(ctx context.Context, e *env, args []string) int {
	const cmd = "capacity"
	var tf targetFlags
	lf := loadFlags{search: true, readOnlyDefault: true}
	var cf capacityFlags
	var color colorFlag
	fs := newFlags(e, cmd, "[--target URL --fixtures FILE] [--scenario NAME] --slo EXPR... [flags]", capacityHelp+formatsHelp(),
		noArgs{}, &tf, &lf, &cf, &color)
	out := fs.String("out", "", "directory for the run record and its reports (run.json, report.html, ...)")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	opts := cf.opts
	setup, code := lf.resolve(e, cmd, &tf)
	if code != exitOK {
		return code
	}
	defer setup.close()
	thresholds := setup.thresholds
	if len(thresholds) == 0 {
		return usageErr(e, cmd, "scenario %s has no SLO: give at least one --slo, e.g. 'p99(session)<200ms'", setup.scenario.Name)
	}
	if err := load.CheckCapacity(setup.scenario, thresholds, opts); err != nil {
		return usageErr(e, cmd, "%v", err)
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return usageErr(e, cmd, "--out: %v", err)
		}
	}
	tg, code := tf.open(ctx, e, cmd)
	if code != exitOK {
		return code
	}
	defer tg.close()

	rec := tg.describe(record.New(record.KindCapacity, toolVersion()), setup.scenario)
	pre, st := checkTarget(ctx, e, cmd, tg)
	if st != nil {
		return stopRun(e, cmd, rec, *out, tg.key(e), st)
	}
	// Nothing ran since the preflight: its searches are the setup's.
	r, err := load.NewRunner(ctx, tg.client, tg.fixtures, setup.scenario, append(setup.opts, load.WithPreflight(pre))...)
	if err != nil {
		return runFailed(e, cmd, rec, *out, tg.key(e), err)
	}
	exprs := make([]string, len(thresholds))
	for i, t := range thresholds {
		exprs[i] = t.Expr
	}
	fmt.Fprintf(e.stderr, "capacity search: scenario %s, SLO %s; steps of %s, budget %s\n", setup.scenario.Name, strings.Join(exprs, ", "), opts.StepDuration, opts.Budget)
	if e.stderrIsTTY {
		opts.RunOptions = append(opts.RunOptions, load.WithProgress(500*time.Millisecond, func(p load.Progress) { printProgress(e, p) }))
	}
	opts.OnStep = func(st load.CapacityStep) { printCapacityStep(e, st) }
	res, err := load.SearchCapacity(ctx, r, thresholds, opts)
	if err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
		return exitFail
	}
	rec.Started = res.Started.UTC()
	rec.Capacity = res
	rec.Thresholds = record.CapacityThresholds(rec.Capacity)
	return finishRun(e, cmd, rec, tg.key(e), runOutput{dir: *out, opts: []reports.Option{reports.WithColor(color.on(e))}})
}

// printCapacityStep prints one line per finished step on stderr.
func printCapacityStep(e *env, st load.CapacityStep) {
	if e.stderrIsTTY {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	verdict := "PASS"
	switch {
	case st.Interrupted:
		verdict = "interrupted"
	case st.Inconclusive:
		verdict = "too few samples: " + strings.Join(st.Reasons, "; ")
	case !st.Pass:
		verdict = "FAIL: " + strings.Join(st.Reasons, "; ")
	}
	fmt.Fprintf(e.stderr, "step %2d %-7s %8.2f/s  achieved %8.2f/s  %8.1f req/s  p99(session) %-8s  errors %.3g%%  %s\n",
		st.N, st.Phase, st.Asked, st.Achieved, st.RequestRate, st.Session.P99.Round(10*time.Microsecond), st.ErrorFraction*100, verdict)
}

// capacityFlags are the search's own flags.
type capacityFlags struct {
	start, max, tolerance, warmup string
	growth                        float64
	step, probe, budget           time.Duration

	opts load.CapacityOptions // set by check
}

func (c *capacityFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&c.start, "start", "10/s", "first rate tried (sessions per second)")
	fs.StringVar(&c.max, "max", "10000/s", "highest rate tried")
	fs.Float64Var(&c.growth, "growth", load.DefaultCapacityGrowth, "factor the rate grows by until a step fails")
	fs.StringVar(&c.tolerance, "tolerance", "5%", "stop when the passing and failing rates are this close")
	fs.DurationVar(&c.step, "step-duration", load.DefaultCapacityStep, "how long each step starts sessions")
	fs.DurationVar(&c.probe, "probe-duration", 0, "length of the steps that grow the rate (default a quarter of --step-duration, at least 5s)")
	fs.StringVar(&c.warmup, "warmup", "", "part of each step left out of its figures (default a fifth of the step; 0 for none)")
	fs.DurationVar(&c.budget, "budget", load.DefaultCapacityBudget, "time for all the steps; a step that would end later is not started")
}

func (c *capacityFlags) check(fs *pflag.FlagSet) error {
	opts := load.CapacityOptions{CapacitySettings: record.CapacitySettings{Growth: c.growth, StepDuration: c.step, ProbeDuration: c.probe, Budget: c.budget}}
	for _, f := range []struct {
		name string
		val  string
		dst  *float64
	}{{"--start", c.start, &opts.Start}, {"--max", c.max, &opts.Max}} {
		r, err := scenarios.ParseRate(f.val)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		*f.dst = r.PerSecond()
	}
	tol, err := parseShare(c.tolerance)
	if err != nil || !(tol > 0 && tol < 1) {
		return fmt.Errorf("--tolerance %q: want a share between 0 and 1, like 5%% or 0.05", c.tolerance)
	}
	opts.Tolerance = tol
	if !(c.growth > 1) || math.IsInf(c.growth, 1) { // NaN is not above 1
		return fmt.Errorf("--growth %g: want a factor above 1, like 2", c.growth)
	}
	if c.step <= 0 || c.budget <= 0 || c.probe < 0 || (fs.Changed("probe-duration") && c.probe == 0) {
		return fmt.Errorf("--step-duration, --probe-duration and --budget must be positive (leave --probe-duration out for its default)")
	}
	switch c.warmup {
	case "":
	case "0", "none":
		opts.Warmup = -1
	default:
		d, err := time.ParseDuration(c.warmup)
		if err != nil || d < 0 {
			return fmt.Errorf("--warmup %q: want a duration like 4s, or 0", c.warmup)
		}
		opts.Warmup = d
		if d == 0 {
			opts.Warmup = -1
		}
	}
	c.opts = opts
	return nil
}
