package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/reports/record"
	"loyalcheck/schemas"
)

// quick keeps a search against the embedded sandbox to a few seconds.
var quick = []string{"--scenario", "read-only", "--start", "20/s", "--max", "40/s", "--step-duration", "2s", "--budget", "20s"}

func TestCapacityEmbeddedSandbox(t *testing.T) {
	const key = "k3y-that-must-never-show-4e7a"
	dir := t.TempDir()
	args := append([]string{"capacity"}, quick...)
	args = append(args, "--slo", "p90(session)<2s", "--out", dir)
	code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: key}, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, errs, "target: embedded sandbox at http://127.0.0.1:")
	assert.Contains(t, errs, "step  1 grow")
	assert.Contains(t, errs, "step  2 grow")
	assert.Contains(t, out, "loyalcheck capacity: PASS")
	assert.Contains(t, out, "capacity: at least 40 sessions/s (")
	assert.Contains(t, out, "keeping p90(session)<2s, errors ≤ 0.1%; no rate tried failed")
	assert.Contains(t, out, "stopped  max-reached: every rate up to the maximum 40/s passed")
	assert.Contains(t, out, "LEDGER (L1-L3)\n  OK  ")
	assert.Contains(t, out, "THRESHOLDS at 40/s, the highest passing rate: 1 of 1 met")
	assert.Contains(t, out, "verdict: PASS")
	for _, f := range []string{"run.json", "report.txt", "report.md", "report.html", "junit.xml"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	assert.NoFileExists(t, filepath.Join(dir, "capacity.json"), "the run record holds the capacity section")

	// The record is valid against the published schema and holds the
	// search.
	b, err := os.ReadFile(filepath.Join(dir, "run.json"))
	require.NoError(t, err)
	sch, err := schemas.Compile("run.schema.json")
	require.NoError(t, err)
	assert.Empty(t, sch.Validate(b))
	rec, err := record.Read(dir)
	require.NoError(t, err)
	assert.Equal(t, record.KindCapacity, rec.Kind)
	assert.True(t, rec.Verdict.Pass)
	require.NotNil(t, rec.Capacity)
	res := rec.Capacity
	assert.True(t, res.Found)
	assert.Equal(t, 40.0, res.MaxPassing)
	assert.Equal(t, "max-reached", res.Stopped)
	require.Len(t, res.Steps, 2)
	require.Len(t, res.Thresholds, 1, "--slo replaces the scenario's SLOs")
	assert.Equal(t, "p90(session)<2s", res.Thresholds[0].Expr)
	require.Len(t, rec.Thresholds, 1, "the SLOs as measured at the highest passing step")
	assert.True(t, rec.Thresholds[0].Pass)
	require.NotNil(t, rec.Scenario)
	assert.Equal(t, "read-only", rec.Scenario.Name)
	assert.True(t, rec.Target.Embedded)

	// loyalcheck report renders the run again, in every format.
	for format, want := range map[string]string{
		"text":  "CAPACITY scenario read-only, 2 steps",
		"md":    "### Capacity: at least 40 sessions/s",
		"html":  `id="chart-capacity-latency"`,
		"junit": `<testsuite name="capacity"`,
	} {
		code, rout, rerrs := reportRun(t, false, nil, dir, "--format", format)
		require.Equal(t, exitOK, code, "%s: %s", format, rerrs)
		assert.Contains(t, rout, want, format)
		assertNoKey(t, key, "", rout, rerrs)
	}
	assertNoKey(t, key, dir, out, errs)
}

func TestCapacityFailures(t *testing.T) {
	t.Run("contract broken", func(t *testing.T) {
		const key = "k3y-broken-target-5f1b"
		dir := t.TempDir()
		args := append(append([]string{"capacity"}, quick...), "--slo", "p90(session)<2s", "--sandbox-fault", "photo-number", "--out", dir)
		code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: key}, args...)
		assert.Equal(t, exitFail, code, out+errs)
		assert.Contains(t, out, "x capacity: S6 broken ")
		assert.Contains(t, out, "in search responses (at 20/s)")
		assert.Contains(t, out, "contract violations: search S6")
		assert.Contains(t, out, "stopped  broken-target: at 20/s, the lowest rate tried, the target broke the contract")
		assert.Contains(t, out, "verdict: FAIL")
		rec, err := record.Read(dir)
		require.NoError(t, err)
		assert.False(t, rec.Verdict.Pass)
		assert.Empty(t, rec.Thresholds, "no rate passed")
		code, _, _ = reportRun(t, false, nil, dir, "--exit-code")
		assert.Equal(t, exitFail, code, "the recorded verdict fails a CI step")
		assertNoKey(t, key, dir, out, errs)
	})
	t.Run("no rate passes", func(t *testing.T) {
		args := append(append([]string{"capacity"}, quick...), "--slo", "p50(search)<1us", "--budget", "5s")
		code, out, errs := cliRun(t, nil, args...)
		assert.Equal(t, exitFail, code, out+errs)
		// How many steps fit in the budget depends on the machine.
		assert.Contains(t, out, "first failing rate ")
		assert.Contains(t, out, "x capacity: none found (budget: ")
		assert.Contains(t, out, "verdict: FAIL")
	})
}

func TestCapacityUsageErrors(t *testing.T) {
	noSLO := filepath.Join(t.TempDir(), "noslo.yaml")
	require.NoError(t, os.WriteFile(noSLO, []byte("load: {rate: 1/s, duration: 1s}\nflows: [{name: a, weight: 1, steps: [{op: search}]}]\n"), 0o644))
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--start", "fast"}, "--start"},
		{[]string{"--max", "0/s"}, "--max"},
		{[]string{"--start", "100/s", "--max", "10/s"}, "below the start rate"},
		{[]string{"--growth", "1"}, "--growth"},
		{[]string{"--tolerance", "150%"}, "--tolerance"},
		{[]string{"--warmup", "soon"}, "--warmup"},
		{[]string{"--step-duration", "10s", "--warmup", "10s"}, "leaves nothing"},
		{[]string{"--step-duration", "10s", "--probe-duration", "20s"}, "probe duration"},
		{[]string{"--scenario", "read-only", "--slo", "p99(retail)<1s"}, "has no retail step"},
		{[]string{"--slo", "p99(retal)<1s"}, `unknown step "retal"`},
		{[]string{"--scenario", noSLO}, "has no SLO: give at least one --slo"},
		{[]string{"extra"}, "unexpected argument"},
		{[]string{"--target", "http://127.0.0.1:1"}, "--target needs --fixtures"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: "k"}, append([]string{"capacity"}, tt.args...)...)
			assert.Equal(t, exitUsage, code, out+errs)
			assert.Contains(t, errs, tt.want)
			assert.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
		})
	}
}

func TestCapacityUnreachable(t *testing.T) {
	url, fx := deadTarget(t)
	code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: "k"}, "capacity", "--slo", "p99(session)<1s", "--target", url, "--fixtures", fx, "--timeout", "1s")
	assert.Equal(t, exitUnreachable, code, out+errs)
	assert.Contains(t, errs, "unreachable")
}

func TestCapacityHelp(t *testing.T) {
	code, out, _ := cliRun(t, nil, "capacity", "--help")
	assert.Equal(t, exitOK, code)
	for _, s := range []string{"--slo", "--start", "--max", "--growth", "--tolerance", "--step-duration", "--probe-duration", "--budget", "--out", "Exit codes"} {
		assert.Contains(t, out, s)
	}
	code, out, _ = cliRun(t, nil, "help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "capacity")
}
