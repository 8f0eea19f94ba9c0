package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
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
	assert.Contains(t, out, "stopped: max-reached: every rate up to the maximum 40.0/s passed")
	assert.Contains(t, out, "ledger: OK")
	assert.Contains(t, out, "verdict: PASS - capacity 40 sessions/s")

	var res struct {
		Found      bool    `json:"found"`
		MaxPassing float64 `json:"max_passing_rate"`
		Stopped    string  `json:"stopped"`
		Steps      []struct {
			Asked float64 `json:"asked_rate"`
			Pass  bool    `json:"pass"`
		} `json:"steps"`
		Thresholds []struct {
			Expr string `json:"expr"`
		} `json:"thresholds"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "capacity.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &res))
	assert.True(t, res.Found)
	assert.Equal(t, 40.0, res.MaxPassing)
	assert.Equal(t, "max-reached", res.Stopped)
	require.Len(t, res.Steps, 2)
	require.Len(t, res.Thresholds, 1, "--slo replaces the scenario's SLOs")
	assert.Equal(t, "p90(session)<2s", res.Thresholds[0].Expr)
	assertNoKey(t, key, dir, out, errs)
}

func TestCapacityFailures(t *testing.T) {
	t.Run("contract broken", func(t *testing.T) {
		args := append(append([]string{"capacity"}, quick...), "--slo", "p90(session)<2s", "--sandbox-fault", "photo-number")
		code, out, errs := cliRun(t, nil, args...)
		assert.Equal(t, exitFail, code, out+errs)
		assert.Contains(t, out, "contract violations: search S6")
		assert.Contains(t, out, "stopped: broken-target: at 20.0/s, the lowest rate tried, the target broke the contract")
		assert.Contains(t, out, "verdict: FAIL")
	})
	t.Run("no rate passes", func(t *testing.T) {
		args := append(append([]string{"capacity"}, quick...), "--slo", "p50(search)<1us", "--budget", "5s")
		code, out, errs := cliRun(t, nil, args...)
		assert.Equal(t, exitFail, code, out+errs)
		assert.Contains(t, out, "first failing rate:   10.0 sessions/s")
		assert.Contains(t, out, "verdict: FAIL (no capacity: budget)")
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	fx := filepath.Join(t.TempDir(), "fx.json")
	require.NoError(t, os.WriteFile(fx, []byte(`{"points":["p"],"clients":[{"phone":"79200000001"}]}`), 0o644))
	code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: "k"}, "capacity", "--slo", "p99(session)<1s", "--target", "http://"+addr, "--fixtures", fx, "--timeout", "1s")
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
