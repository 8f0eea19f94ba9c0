package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"loyalcheck/api"
	"loyalcheck/distributed"
	"loyalcheck/load"
	"loyalcheck/reports"
	"loyalcheck/reports/record"
	"loyalcheck/scenarios"
)

// jobIndexEnv is where a Kubernetes Indexed Job gives each pod its index.
const jobIndexEnv = "JOB_COMPLETION_INDEX"

// maxLate is how long after the plan's start a shard may still start:
// the sessions due meanwhile are charged their lateness, as any session
// started late is. A shard later than that would fire them in a burst the
// plan never asked for, so it refuses to run instead.
const maxLate = 2 * time.Second

// shardFlags are load's --plan and --shard.
type shardFlags struct {
	plan  string
	shard int
}

func (s *shardFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&s.plan, "plan", "", "run as one shard of the distributed run planned in this plan.json ('loyalcheck plan'), into --out (default: the plan's directory)/shard-I; every load and target flag comes from the plan")
	fs.IntVar(&s.shard, "shard", -1, "with --plan, which shard to run, 0..N-1 (default: $"+jobIndexEnv+")")
}

// check refuses a flag the plan fixes: a shard must run what every other
// shard runs.
func (s *shardFlags) check(fs *pflag.FlagSet) error {
	if s.plan == "" {
		if fs.Changed("shard") {
			return fmt.Errorf("--shard needs --plan")
		}
		return nil
	}
	var extra string
	fs.Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "plan", "shard", "color", "out":
		default:
			if extra == "" {
				extra = f.Name
			}
		}
	})
	if extra != "" {
		return fmt.Errorf("--%s: with --plan every load and target flag comes from the plan", extra)
	}
	return nil
}

// index is the shard to run: --shard, else JOB_COMPLETION_INDEX.
func (s *shardFlags) index(e *env, shards int) (int, error) {
	i := s.shard
	if i < 0 {
		v := e.getenv(jobIndexEnv)
		if v == "" {
			return 0, fmt.Errorf("--plan needs --shard I or %s", jobIndexEnv)
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("%s=%q: want a shard number", jobIndexEnv, v)
		}
		i = n
	}
	if i < 0 || i >= shards {
		return 0, fmt.Errorf("shard %d: the plan has shards 0..%d", i, shards-1)
	}
	return i, nil
}

// planFlagsOf rebuilds the target and load flags from a plan, through
// the same flag parsing as load's own. Only a shard serves the run's
// metrics (--metrics-addr): the merge runs no load. The caller defers the
// setup's close.
func planFlagsOf(e *env, p *distributed.Plan, cmd string, serveMetrics bool) (*targetFlags, *loadSetup, int) {
	tf := &targetFlags{target: p.Target, timeout: time.Duration(p.Timeout), readOnly: p.ReadOnly, planned: &p.Fixtures}
	var lf loadFlags
	fs := newFlags(e, cmd, "", "", noArgs{}, &lf)
	if code, done := parseFlags(e, fs, p.LoadFlags); done {
		return nil, nil, max(code, exitUsage)
	}
	lf.scenarioSource = []byte(p.ScenarioSource)
	if !serveMetrics {
		lf.metricsAddr = ""
	}
	setup, code := lf.resolve(e, cmd, tf)
	return tf, setup, code
}

// runShard runs shard I of a plan: from the plan's start time, its share
// of the sessions on the plan's clients, with no audit (it needs every
// shard). It writes into the run directory (dir, or the plan's own),
// shard-I/, what load --out writes, and its journal for the merge. It
// exits 0 when it ran: the merge judges the run.
func runShard(ctx context.Context, e *env, sf *shardFlags, dir string) int {
	p, err := distributed.Read(sf.plan)
	if err != nil {
		return usageErr(e, "load", "%v", err)
	}
	i, err := sf.index(e, p.Shards)
	if err != nil {
		return usageErr(e, "load", "%v", err)
	}
	tf, setup, code := planFlagsOf(e, p, "load", true)
	if code != exitOK {
		return code
	}
	defer setup.close()
	if dir == "" {
		dir = filepath.Dir(sf.plan)
	}
	out := distributed.ShardDir(dir, i)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return usageErr(e, "load", "shard directory: %v", err)
	}
	tg, code := tf.open(ctx, e, "load")
	if code != exitOK {
		return code
	}
	defer tg.close()
	rec := tg.describe(record.New(record.KindLoad, toolVersion()), setup.scenario)
	setup.opts = append(setup.opts, load.WithPreflight(p.Preflight()), load.WithShard(i, p.Shards), load.WithStartAt(p.Start))
	setup.run = func(ctx context.Context, c *api.Client, fx *api.Fixtures, sc *scenarios.Scenario, opts ...load.Option) (*load.Summary, error) {
		r, err := load.NewRunner(ctx, c, fx, sc, opts...)
		if err != nil {
			return nil, err
		}
		if late := time.Since(p.Start); late > maxLate {
			return nil, &shardLate{i, late}
		}
		sum, err := r.Run(ctx)
		if err != nil {
			return nil, err
		}
		var jb bytes.Buffer
		if err := r.WriteJournal(ctx, &jb); err != nil {
			return nil, err
		}
		if err := e.writeFile(filepath.Join(out, distributed.JournalFile), jb.Bytes()); err != nil {
			return nil, err
		}
		sum.Ledger = load.LedgerReport{Clients: sum.Ledger.Clients, Findings: []load.LedgerFinding{},
			Skipped: fmt.Sprintf("shard %d of %d: 'loyalcheck merge' audits every shard's journal together", i, p.Shards)}
		sum.Ended = time.Now()
		sum.Elapsed = sum.Ended.Sub(sum.Started)
		return sum, nil
	}
	fmt.Fprintf(e.stderr, "shard %d of %d: starting at %s\n", i, p.Shards, p.Start.Format(time.RFC3339Nano))
	res, err := runLoadPhase(ctx, e, tg, setup, out, true)
	if err != nil {
		var sl *shardLate
		if errors.As(err, &sl) {
			return usageErr(e, "load", "%v", err)
		}
		return runFailed(e, "load", rec, out, tg.key(e), err)
	}
	rec.Load = res.summary.Record()
	rec.Thresholds = res.thresholds
	rec.Ended = nowUTC()
	reports.Judge(rec)
	if _, err := saveRun(rec, out, tg.key(e)); err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck load: %v\n", err)
		return exitFail
	}
	s := res.summary.Sessions
	fmt.Fprintf(e.stdout, "shard %d of %d: %d sessions started, %d requests; written to %s (run 'loyalcheck merge %s' once every shard is done)\n",
		i, p.Shards, s.Started, res.summary.Totals().Requests, out, dir)
	return exitOK
}

// shardLate is a shard that became ready too long after the plan's start.
type shardLate struct {
	shard int
	late  time.Duration
}

func (s *shardLate) Error() string {
	return fmt.Sprintf("shard %d ready %s after the plan's start time (at most %s allowed): plan again with a longer --start-in",
		s.shard, s.late.Truncate(time.Millisecond), maxLate)
}
