package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"loyalcheck/api"
	"loyalcheck/distributed"
	"loyalcheck/internal/gather"
	"loyalcheck/load"
	"loyalcheck/sandbox"
	"loyalcheck/scenarios"
)

// distTarget is a sandbox on loopback that the test owns, shared by every
// shard process; gathered, holds reach it three at a time (or after a
// bound), as holds of three machines under load would.
func distTarget(t *testing.T, gathered bool, faults ...string) (url, fixtures string, c *api.Client, fx *api.Fixtures) {
	t.Helper()
	srv, err := sandbox.New(sandbox.WithDB(sandbox.MemoryDB), sandbox.WithClients(40), sandbox.WithFaults(faults...))
	require.NoError(t, err)
	h := srv.Handler()
	if gathered {
		h = gather.Requests(api.EpHold.Path(), 3, 2*time.Second)(h)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		srv.Close()
	})
	c, err = api.NewClient(ts.URL, api.WithAPIKey(api.SandboxAPIKey))
	require.NoError(t, err)
	return ts.URL, writeFixtures(t, srv.Fixtures()), c, srv.Fixtures()
}

// sandboxKey is the environment of a run against the test's sandbox: the
// apikey in LOYALCHECK_APIKEY, nothing else.
func sandboxKey(k string) string {
	if k == api.APIKeyEnv {
		return api.SandboxAPIKey
	}
	return ""
}

// planRun plans a distributed run on url into dir and returns the plan's
// path; args are plan's other flags.
func planRun(t *testing.T, dir, url, fixtures string, args ...string) string {
	t.Helper()
	args = append([]string{"plan", "--target", url, "--fixtures", fixtures, "--out", dir}, args...)
	code, out, errs := inProcess(context.Background(), sandboxKey, args...)
	require.Equal(t, exitOK, code, "plan: %s%s", out, errs)
	return filepath.Join(dir, distributed.PlanFile)
}

// distributedRun plans a run of 3 shards, runs each shard as its own
// process with JOB_COMPLETION_INDEX set as a Kubernetes Indexed Job sets
// it, then merges in this process. It returns the run directory and the
// merge's exit code and stdout.
func distributedRun(t *testing.T, url, fixtures string, loadArgs ...string) (string, int, string) {
	t.Helper()
	dir := t.TempDir()
	plan := planRun(t, dir, url, fixtures, append([]string{"--shards", "3", "--start-in", "3s"}, loadArgs...)...)
	cmds := make([]*exec.Cmd, 3)
	logs := make([]*syncBuffer, 3)
	for i := range cmds {
		cmd := exec.Command(os.Args[0], "load", "--plan", plan)
		cmd.Env = append(withoutEnv(os.Environ(), api.APIKeyEnv), childEnv+"=1", api.APIKeyEnv+"="+api.SandboxAPIKey, jobIndexEnv+"="+strconv.Itoa(i))
		logs[i] = &syncBuffer{}
		cmd.Stdout, cmd.Stderr = logs[i], logs[i]
		require.NoError(t, cmd.Start())
		cmds[i] = cmd
	}
	for i, cmd := range cmds {
		err := cmd.Wait()
		require.NoError(t, err, "shard %d: %s", i, logs[i].String())
		assert.Contains(t, logs[i].String(), "shard "+strconv.Itoa(i)+" of 3")
	}
	code, out, errs := inProcess(context.Background(), sandboxKey, "merge", dir, "--color", "never", "--wait", "10s")
	require.NotEqual(t, exitUsage, code, "merge: %s%s", out, errs)
	assertNoKey(t, api.SandboxAPIKey, dir, out, errs)
	return dir, code, out
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

// recordedLoad is the load summary of the run record in dir.
func recordedLoad(t *testing.T, dir string) load.Summary {
	t.Helper()
	var rec struct {
		Load load.Summary `json:"load"`
	}
	readJSON(t, filepath.Join(dir, "run.json"), &rec)
	return rec.Load
}

// Each of three shards holds at most what the hot client has; only the
// three holds together overcommit it. Under the racy-debit fault the
// target accepts them all: merge's one audit of every journal reports L2,
// which the audit of any one shard's journal does not. The correct
// sandbox refuses two of the three holds and the merge passes.
func TestDistributedAuditCatchesARaceAcrossShards(t *testing.T) {
	scenario, err := filepath.Abs("../../load/testdata/hold-all.yaml")
	require.NoError(t, err)
	sc, err := scenarios.Load(scenario)
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		faults []string
		code   int
	}{{"racy", []string{"racy-debit"}, exitFail}, {"correct", nil, exitOK}} {
		t.Run(tc.name, func(t *testing.T) {
			url, fixtures, c, fx := distTarget(t, true, tc.faults...)
			dir, code, out := distributedRun(t, url, fixtures, "--scenario", scenario)
			t.Log(out)
			require.Equal(t, tc.code, code, out)
			run := recordedLoad(t, dir)
			led := run.Ledger
			p, err := distributed.Read(filepath.Join(dir, distributed.PlanFile))
			require.NoError(t, err)
			if tc.code == exitOK {
				assert.True(t, led.Passed(), "%+v", led)
				assert.Equal(t, uint64(1), run.Contention.HoldsAccepted, "the correct sandbox grants one of the three holds")
				return
			}
			require.NotEmpty(t, led.Findings)
			assert.Equal(t, "L2", led.Findings[0].Rule, "%+v", led.Findings)
			assert.Contains(t, out, "FAIL L2")
			// No shard alone could have seen it: each held at most what
			// the client had, and audited alone its journal passes.
			for i := range p.Shards {
				f, err := os.Open(filepath.Join(distributed.ShardDir(dir, i), distributed.JournalFile))
				require.NoError(t, err)
				j, err := load.ReadJournal(f)
				f.Close()
				require.NoError(t, err)
				holds := 0
				for _, e := range j {
					if e.Hold != nil {
						holds++
					}
				}
				assert.Equal(t, 1, holds, "shard %d", i)
				one, err := load.AuditJournals(context.Background(), c, fx, sc, p.Preflight(), j)
				require.NoError(t, err)
				assert.True(t, one.Passed(), "shard %d alone: %+v", i, one)
			}
		})
	}
}

// The merged run counts what the shards counted, and its quantiles are
// those of one histogram of every sample the shards wrote.
func TestDistributedMergeCountsAndQuantiles(t *testing.T) {
	url, fixtures, _, _ := distTarget(t, false)
	dir, code, out := distributedRun(t, url, fixtures, "--scenario", "hold-contention", "--rate", "30/1s", "--duration", "1s")
	require.Equal(t, exitOK, code, out)
	var merged load.Summary
	readJSON(t, filepath.Join(dir, summaryFile), &merged)
	var started, requests uint64
	var results, sessions int
	for i := range 3 {
		var s load.Summary
		sd := distributed.ShardDir(dir, i)
		readJSON(t, filepath.Join(sd, summaryFile), &s)
		assert.Greater(t, s.Sessions.Started, uint64(0), "shard %d", i)
		started += s.Sessions.Started
		requests += s.Totals().Requests
	}
	assert.Equal(t, started, merged.Sessions.Started)
	assert.Equal(t, requests, merged.Totals().Requests)

	// Every session of every shard, in one histogram as load keeps one.
	h := hdrhistogram.New(int64(time.Microsecond), int64(10*time.Minute), 3)
	var maxLat time.Duration
	for i := range 3 {
		require.NoError(t, load.ReadResults(filepath.Join(distributed.ShardDir(dir, i), sessionsFile), func(r *vegeta.Result) error {
			maxLat = max(maxLat, r.Latency)
			return h.RecordValue(max(int64(time.Microsecond), int64(r.Latency)))
		}))
	}
	require.EqualValues(t, started, h.TotalCount())
	for _, q := range []struct {
		name string
		pct  float64
	}{{"50", 50}, {"90", 90}, {"99", 99}, {"99.9", 99.9}} {
		got, _ := merged.Session.Latency.Quantile(q.name)
		want := min(time.Duration(h.ValueAtPercentile(q.pct)), maxLat)
		// summary.json writes latencies in whole microseconds.
		assert.Equal(t, want.Round(time.Microsecond), got.Round(time.Microsecond), "p%s", q.name)
		t.Logf("p%s(session): merged %s, one histogram of all samples %s", q.name, got, want)
	}
	// The run's own results files hold every shard's.
	require.NoError(t, load.ReadResults(filepath.Join(dir, resultsFile), func(*vegeta.Result) error { results++; return nil }))
	require.NoError(t, load.ReadResults(filepath.Join(dir, sessionsFile), func(*vegeta.Result) error { sessions++; return nil }))
	assert.EqualValues(t, requests, results)
	assert.EqualValues(t, started, sessions)
}

// Bad input to plan, a shard and merge: one line, exit 2, or exit 1 for a
// merge whose shards never came.
func TestDistributedUsageErrors(t *testing.T) {
	url, fixtures, _, _ := distTarget(t, false)
	dir := t.TempDir()
	plan := planRun(t, dir, url, fixtures, "--shards", "2", "--duration", "1s")
	b, err := os.ReadFile(plan)
	require.NoError(t, err)
	assert.NotContains(t, string(b), api.SandboxAPIKey, "the plan holds no secret")
	withIndex := func(i string) func(string) string {
		return func(k string) string {
			if k == jobIndexEnv {
				return i
			}
			return sandboxKey(k)
		}
	}
	for _, tc := range []struct {
		name   string
		getenv func(string) string
		args   []string
		code   int
		want   string
	}{
		{"plan without target", sandboxKey, []string{"plan", "--shards", "2", "--out", dir}, exitUsage, "--target is required"},
		{"plan without shards", sandboxKey, []string{"plan", "--target", url, "--fixtures", fixtures, "--out", dir}, exitUsage, "--shards 0"},
		{"plan without out", sandboxKey, []string{"plan", "--shards", "2", "--target", url, "--fixtures", fixtures}, exitUsage, "--out DIR is required"},
		{"shard without plan", sandboxKey, []string{"load", "--shard", "1"}, exitUsage, "--shard needs --plan"},
		{"shard with a load flag", sandboxKey, []string{"load", "--plan", plan, "--shard", "0", "--rate", "5/s"}, exitUsage, "--rate: with --plan"},
		{"shard without index", sandboxKey, []string{"load", "--plan", plan}, exitUsage, jobIndexEnv},
		{"shard out of range", withIndex("2"), []string{"load", "--plan", plan}, exitUsage, "shards 0..1"},
		{"shard index not a number", withIndex("x"), []string{"load", "--plan", plan}, exitUsage, "want a shard number"},
		{"missing plan", sandboxKey, []string{"load", "--plan", filepath.Join(dir, "none.json"), "--shard", "0"}, exitUsage, "no such file"},
		{"merge without dir", sandboxKey, []string{"merge"}, exitUsage, "want one argument"},
		{"merge of absent shards", sandboxKey, []string{"merge", dir, "--wait", "0s"}, exitFail, "shards 0, 1 of 2 have not written"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := inProcess(context.Background(), tc.getenv, tc.args...)
			assert.Equal(t, tc.code, code, out+errs)
			assert.Contains(t, errs, tc.want)
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(errs), "\n")+1, "one line: %q", errs)
		})
	}
}

// A shard ready long after the plan's start refuses to run rather than
// fire the sessions due meanwhile in one burst.
func TestDistributedLateShardRefuses(t *testing.T) {
	url, fixtures, _, _ := distTarget(t, false)
	dir := t.TempDir()
	plan := planRun(t, dir, url, fixtures, "--shards", "1", "--start-in", "1ms")
	p, err := distributed.Read(plan)
	require.NoError(t, err)
	p.Start = time.Now().Add(-time.Minute)
	b, err := p.Encode()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(plan, b, 0o644))
	code, _, errs := inProcess(context.Background(), sandboxKey, "load", "--plan", plan, "--shard", "0")
	assert.Equal(t, exitUsage, code, errs)
	assert.Contains(t, errs, "after the plan's start time")
}

// k8s prints the manifests of a plan (decoded strictly in the
// distributed package's tests) and refuses what it cannot print.
func TestK8sCommand(t *testing.T) {
	url, fixtures, _, _ := distTarget(t, false)
	dir := t.TempDir()
	plan := planRun(t, dir, url, fixtures, "--shards", "4")
	code, out, errs := inProcess(context.Background(), sandboxKey, "k8s", "--plan", plan, "--image", "loyalcheck:dev", "--namespace", "perf")
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "completionMode: Indexed")
	assert.Contains(t, out, "completions: 4")
	assert.Contains(t, out, "secretKeyRef")
	assert.NotContains(t, out, api.SandboxAPIKey)
	for _, args := range [][]string{
		{"k8s", "--image", "x"},
		{"k8s", "--plan", plan},
		{"k8s", "--plan", filepath.Join(dir, "none.json"), "--image", "x"},
		{"k8s", "--plan", plan, "--image", "x", "--name", "Not_A_Name"},
	} {
		code, _, errs := inProcess(context.Background(), sandboxKey, args...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, errs)
		assert.NotEmpty(t, errs)
	}
}

// The built-in hold-contention scenario over 3 shards, holds from the
// shards reaching the target together: under racy-debit the one audit of
// every journal finds hot clients overcommitted (L2); the correct sandbox
// passes the same run.
func TestDistributedHoldContention(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults []string
		code   int
	}{{"racy", []string{"racy-debit"}, exitFail}, {"correct", nil, exitOK}} {
		t.Run(tc.name, func(t *testing.T) {
			url, fixtures, _, _ := distTarget(t, true, tc.faults...)
			dir, code, out := distributedRun(t, url, fixtures, "--scenario", "hold-contention", "--rate", "30/1s", "--duration", "1s")
			require.Equal(t, tc.code, code, out)
			run := recordedLoad(t, dir)
			led := run.Ledger
			if tc.code == exitOK {
				assert.True(t, led.Passed(), "%+v", led)
				return
			}
			rules := map[string]bool{}
			for _, f := range led.Findings {
				rules[f.Rule] = true
			}
			assert.True(t, rules["L2"], "%+v", led.Findings)
			t.Log(out)
		})
	}
}
