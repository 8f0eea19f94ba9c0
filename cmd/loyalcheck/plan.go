package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"loyalcheck/distributed"
	"loyalcheck/scenarios"
)

const planHelp = `
Plan a load run spread over several machines (shards): check the target
and its fixtures (the preflight), read every fixture client's balance for
the ledger, fix a common start time, and write DIR/plan.json. It holds no
secret: every shard and the merge read the apikey from LOYALCHECK_APIKEY.

Each shard then runs 'loyalcheck load --plan DIR/plan.json --shard I' (or
with JOB_COMPLETION_INDEX=I, as a Kubernetes Indexed Job sets it) and
writes DIR/shard-I/; 'loyalcheck merge DIR' joins them into one run with
one ledger audit. 'loyalcheck k8s --plan DIR/plan.json' prints the
Kubernetes manifests that do all of it.

Every load flag is taken, and applied by every shard as load applies it.
The shards start together the sessions one 'loyalcheck load' run would
(shard I every N-th of them, from the I-th), on the same fixture clients.
A --target is required: the embedded sandbox lives in one process only.`

func runPlan(ctx context.Context, e *env, args []string) int {
	var tf targetFlags
	var lf loadFlags
	var pf planFlags
	fs := newFlags(e, "plan", "--shards N --target URL --fixtures FILE [load flags] --out DIR", planHelp, noArgs{}, &pf, &lf, &tf)
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if tf.target == "" {
		return usageErr(e, "plan", "--target is required: every shard must reach the same target (the embedded sandbox lives in one process; start one with 'loyalcheck sandbox')")
	}
	if tf.caCert != "" || tf.clientCert != "" || tf.clientKey != "" {
		return usageErr(e, "plan", "--ca-cert, --client-cert and --client-key are not carried to the shards yet")
	}
	// --metrics-addr goes to the shards in the plan; plan itself runs no
	// load to serve metrics of.
	metricsAddr := lf.metricsAddr
	lf.metricsAddr = ""
	setup, code := lf.resolve(e, "plan", &tf)
	if code != exitOK {
		return code
	}
	defer setup.close()
	lf.metricsAddr = metricsAddr
	src, err := scenarioSource(lf.scenario)
	if err != nil {
		return usageErr(e, "plan", "%v", err)
	}
	if err := os.MkdirAll(pf.out, 0o755); err != nil {
		return usageErr(e, "plan", "--out: %v", err)
	}
	tg, code := tf.open(ctx, e, "plan")
	if code != exitOK {
		return code
	}
	defer tg.close()
	pre, st := checkTarget(ctx, e, "plan", tg)
	if st != nil {
		return stopRun(e, "plan", nil, "", tg.key(e), st)
	}
	sc := setup.scenario
	rate := lf.rate
	if rate == "" {
		rate = sc.Load.Rate
	}
	dur := lf.duration
	if dur <= 0 {
		dur = time.Duration(sc.Load.Duration)
	}
	now := time.Now().UTC()
	p := &distributed.Plan{
		Version:        distributed.Version,
		Shards:         pf.shards,
		Created:        now,
		Start:          now.Add(pf.startIn).Truncate(time.Millisecond),
		Target:         tg.url,
		Timeout:        distributed.Duration(tf.timeout),
		ReadOnly:       tf.readOnly,
		Scenario:       sc.Name,
		ScenarioSource: string(src),
		Fixtures:       *tg.fixtures,
		LoadFlags:      changedFlags(fs.FlagSet, &loadFlags{}),
		Rate:           rate,
		Duration:       distributed.Duration(dur),
		SLO:            append(append([]string{}, sc.SLO...), lf.slo...),
		Seed:           lf.seed,
		Point:          pre.Point,
		Clients:        distributed.ClientsOf(pre),
	}
	if err := p.Check(); err != nil {
		return usageErr(e, "plan", "%v", err)
	}
	b, err := p.Encode()
	if err != nil {
		return usageErr(e, "plan", "%v", err)
	}
	path := filepath.Join(pf.out, distributed.PlanFile)
	if err := e.writeFile(path, b); err != nil {
		return usageErr(e, "plan", "%v", err)
	}
	fmt.Fprintf(e.stdout, "plan: %d shards of %s at %s for %s, starting at %s (in %s)\nwritten: %s\n",
		p.Shards, p.Scenario, p.Rate, time.Duration(p.Duration), p.Start.Format(time.RFC3339Nano), pf.startIn, path)
	fmt.Fprintf(e.stdout, "next: 'loyalcheck load --plan %s --shard I' for I in 0..%d, then 'loyalcheck merge %s'\n", path, p.Shards-1, pf.out)
	return exitOK
}

// planFlags are plan's own flags.
type planFlags struct {
	shards  int
	out     string
	startIn time.Duration
}

func (p *planFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&p.shards, "shards", 0, "how many shards (machines, pods) share the load")
	fs.StringVar(&p.out, "out", "", "run directory: plan.json goes there, and each shard's results in shard-I/")
	fs.DurationVar(&p.startIn, "start-in", 30*time.Second, "how long after planning every shard starts: time enough to start them all")
}

func (p *planFlags) check(*pflag.FlagSet) error {
	switch {
	case p.shards < 1 || p.shards > maxShards:
		return fmt.Errorf("--shards %d: want 1..%d", p.shards, maxShards)
	case p.out == "":
		return fmt.Errorf("--out DIR is required")
	case p.startIn <= 0:
		return fmt.Errorf("--start-in %s: want a positive duration", p.startIn)
	}
	return nil
}

// maxShards bounds a plan: each shard is a process, and the merge reads
// every shard's files.
const maxShards = 1000

// scenarioSource is the YAML of a built-in scenario or a scenario file,
// for the plan to carry to machines that have neither.
func scenarioSource(nameOrPath string) ([]byte, error) {
	if b, ok := scenarios.Source(nameOrPath); ok {
		return b, nil
	}
	b, err := os.ReadFile(nameOrPath)
	if err != nil {
		return nil, fmt.Errorf("--scenario: %w", err)
	}
	return b, nil
}

// changedFlags returns the flags of group g given on fs, as arguments
// that give them again (a repeatable flag once per value).
func changedFlags(fs *pflag.FlagSet, g flagGroup) []string {
	own := pflag.NewFlagSet("", pflag.ContinueOnError)
	g.register(own)
	var args []string
	own.VisitAll(func(f *pflag.Flag) {
		given := fs.Lookup(f.Name)
		if given == nil || !given.Changed {
			return
		}
		if sv, ok := given.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				args = append(args, "--"+f.Name+"="+v)
			}
			return
		}
		args = append(args, "--"+f.Name+"="+given.Value.String())
	})
	return args
}
