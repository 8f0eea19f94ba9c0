package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"loyalcheck/distributed"
	"loyalcheck/load"
	"loyalcheck/reports"
	"loyalcheck/reports/record"
)

const mergeHelp = `
Join the shards of a distributed run ('loyalcheck plan', then 'loyalcheck
load --plan ... --shard I' on each machine) into one run: wait (at most
--wait) until every shard has written its directory, release every hold
the shards left, search every fixture client again and run ONE ledger
audit (L1-L3) over all the shards' journals against the balances the plan
read, merge the latency histograms exactly and add the counts. It writes
into DIR what 'loyalcheck load --out DIR' writes, for the whole run.

Exit codes as load's: 0 pass; 1 a ledger or contract violation, a breached
threshold, or a shard missing or stopped; 2 usage or a bad plan; 3 target
unreachable or refusing the apikey (LOYALCHECK_APIKEY).`

// mergeFlags are merge's own flags.
type mergeFlags struct {
	wait time.Duration
	plan string
}

func (m *mergeFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&m.plan, "plan", "", "the run's plan.json (default: DIR/plan.json)")
	fs.DurationVar(&m.wait, "wait", 2*time.Minute, "how long to wait for the shards still writing their results")
}

func (m *mergeFlags) check(fs *pflag.FlagSet) error {
	if m.wait < 0 {
		return fmt.Errorf("--wait %s: want 0 or a positive duration", m.wait)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("want one argument, the run directory (plan --out)")
	}
	return nil
}

func runMerge(ctx context.Context, e *env, args []string) int {
	var mf mergeFlags
	var color colorFlag
	fs := newFlags(e, "merge", "DIR", mergeHelp+formatsHelp(), &mf, &color)
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	dir := fs.Arg(0)
	if mf.plan == "" {
		mf.plan = filepath.Join(dir, distributed.PlanFile)
	}
	p, err := distributed.Read(mf.plan)
	if err != nil {
		return usageErr(e, "merge", "%v", err)
	}
	tf, setup, code := planFlagsOf(e, p, "merge", false)
	if code != exitOK {
		return code
	}
	defer setup.close()
	if err := waitShards(ctx, dir, p.Shards, mf.wait); err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck merge: %v\n", err)
		return exitFail
	}
	parts := make([]*load.Summary, p.Shards)
	journals := make([][]load.JournalEntry, p.Shards)
	for i := range p.Shards {
		if parts[i], journals[i], err = readShard(dir, i); err != nil {
			fmt.Fprintf(e.stderr, "loyalcheck merge: %v\n", err)
			return exitFail
		}
	}
	sum, err := load.MergeSummaries(parts...)
	if err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck merge: %v\n", err)
		return exitFail
	}
	sum.Pacer = fmt.Sprintf("%d shards of %s", p.Shards, sum.Pacer)
	sum.Seed = p.Seed
	tg, code := tf.open(ctx, e, "merge")
	if code != exitOK {
		return code
	}
	defer tg.close()
	rec := tg.describe(record.New(record.KindLoad, toolVersion()), setup.scenario)
	led, err := load.AuditJournals(ctx, tg.client, tg.fixtures, setup.scenario, p.Preflight(), journals...)
	if err != nil {
		return runFailed(e, "merge", rec, dir, tg.key(e), fmt.Errorf("ledger audit: %w", err))
	}
	sum.Ledger = led
	if err := joinResults(dir, p.Shards); err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck merge: %v\n", err)
		return exitFail
	}
	res := &loadResult{summary: sum, thresholds: load.EvaluateAll(setup.thresholds, sum)}
	if res.files, err = writeLoadFiles(e, dir, res, true); err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck merge: %v\n", err)
		return exitFail
	}
	rec.Load = sum.Record()
	rec.Thresholds = res.thresholds
	rec.Started = sum.Started.UTC()
	return finishRun(e, "merge", rec, tg.key(e), runOutput{dir: dir, extra: res.files, opts: []reports.Option{reports.WithColor(color.on(e))}})
}

// waitShards waits until every shard's directory holds its run.json, the
// last file a shard writes, or until wait has passed.
func waitShards(ctx context.Context, dir string, n int, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		var missing []string
		for i := range n {
			if _, err := os.Stat(filepath.Join(distributed.ShardDir(dir, i), distributed.DoneFile)); err != nil {
				missing = append(missing, fmt.Sprint(i))
			}
		}
		if len(missing) == 0 {
			return nil
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("shards %s of %d have not written their results after %s (no %s in their directory)",
				strings.Join(missing, ", "), n, wait, distributed.DoneFile)
		}
		t := time.NewTimer(min(500*time.Millisecond, time.Until(deadline)))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("interrupted waiting for shards %s", strings.Join(missing, ", "))
		case <-t.C:
		}
	}
}

// readShard reads a shard's summary and journal; a shard that stopped
// (its run.json holds why) has neither.
func readShard(dir string, i int) (*load.Summary, []load.JournalEntry, error) {
	sd := distributed.ShardDir(dir, i)
	b, err := os.ReadFile(filepath.Join(sd, summaryFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("shard %d stopped without results: see %s", i, filepath.Join(sd, distributed.DoneFile))
	}
	if err != nil {
		return nil, nil, err
	}
	var sum load.Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		return nil, nil, fmt.Errorf("shard %d: %s: %w", i, summaryFile, err)
	}
	f, err := os.Open(filepath.Join(sd, distributed.JournalFile))
	if err != nil {
		return nil, nil, fmt.Errorf("shard %d: %w", i, err)
	}
	defer f.Close()
	j, err := load.ReadJournal(f)
	if err != nil {
		return nil, nil, fmt.Errorf("shard %d: %w", i, err)
	}
	return &sum, j, nil
}

// joinResults writes the run's results.bin and sessions.bin: every
// shard's results in start order, numbered again per attack so that, as
// in one process's files, sequence order is timestamp order (vegeta's
// plot relies on it). The results are held in memory to be sorted.
func joinResults(dir string, n int) error {
	for _, name := range []string{resultsFile, sessionsFile} {
		var all []*vegeta.Result
		for i := range n {
			err := load.ReadResults(filepath.Join(distributed.ShardDir(dir, i), name), func(r *vegeta.Result) error {
				c := *r
				all = append(all, &c)
				return nil
			})
			if err != nil {
				return fmt.Errorf("joining %s: %w", name, err)
			}
		}
		slices.SortStableFunc(all, func(a, b *vegeta.Result) int { return a.Timestamp.Compare(b.Timestamp) })
		seq := map[string]uint64{}
		out, err := load.CreateResults(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		for _, r := range all {
			r.Seq = seq[r.Attack]
			seq[r.Attack]++
			if err = out.Encode(r); err != nil {
				break
			}
		}
		if err = errors.Join(err, out.Close()); err != nil {
			return fmt.Errorf("joining %s: %w", name, err)
		}
	}
	return nil
}
