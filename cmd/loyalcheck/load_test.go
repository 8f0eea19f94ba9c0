package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/scenarios"
)

func TestLoadEmbeddedSandboxPasses(t *testing.T) {
	const key = "k3y-that-must-never-show-9d1c"
	dir := t.TempDir()
	code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: key}, "load", "--scenario", relaxedCheckout(t), "--rate", "20/s", "--duration", "2s", "--out", dir)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, errs, "target: embedded sandbox at http://127.0.0.1:")
	assert.Contains(t, out, "LEDGER (L1-L3)\n  OK  ")
	assert.Contains(t, out, "verdict: PASS")
	for _, f := range []string{"results.bin", "sessions.bin", "summary.json", "plot.html", "run.json", "report.html", "junit.xml"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	var sum struct {
		Steps []struct {
			Name     string
			Requests int
		}
		Thresholds []struct {
			Expr string
			Pass bool
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &sum))
	assert.NotEmpty(t, sum.Steps)
	assert.Len(t, sum.Thresholds, 4, "the scenario's thresholds")
	assertNoKey(t, key, dir, out, errs)
}

// assertNoKey fails if the apikey appears in any output or file.
func assertNoKey(t *testing.T, key, dir string, streams ...string) {
	t.Helper()
	for _, s := range streams {
		assert.NotContains(t, s, key)
	}
	if dir == "" {
		return
	}
	require.NoError(t, filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil {
			assert.NotContains(t, string(b), key, p)
		}
		return err
	}))
}

// load runs the checkout scenario when none is named, as accept and
// capacity do. (Its latency thresholds may fail on a busy machine: the
// verdict is not what this test is about.)
func TestLoadDefaultScenario(t *testing.T) {
	code, out, errs := cliRun(t, nil, "load", "--rate", "10/s", "--duration", "1s")
	require.Contains(t, []int{exitOK, exitFail}, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, out, "scenario checkout")
	assert.Contains(t, out, "LEDGER (L1-L3)\n  OK  ")
}

// latencyLimit is a latency threshold's limit in a scenario file.
var latencyLimit = regexp.MustCompile(`(?m)^(\s*- p[0-9.]+(?:\([a-z]+\))?\s*<)\s*[0-9.]+(?:us|ms|s)$`)

// relaxedCheckout writes the checkout scenario with its latency thresholds
// set beyond any request's timeout, and returns the file's path. A test of
// the pass path must not depend on how busy the machine is; errors<1% and
// violations==0 still judge the target, and a stalled target still fails
// them by its timeouts.
func relaxedCheckout(t *testing.T) string {
	t.Helper()
	src, ok := scenarios.Source("checkout")
	require.True(t, ok)
	relaxed := latencyLimit.ReplaceAll(src, []byte("${1}1000s"))
	require.NotEqual(t, string(src), string(relaxed), "the checkout scenario has latency thresholds")
	p := filepath.Join(t.TempDir(), "checkout.yaml")
	require.NoError(t, os.WriteFile(p, relaxed, 0o644))
	return p
}

func TestLoadFailures(t *testing.T) {
	code, out, _ := cliRun(t, nil, "load", "--scenario", "read-only", "--duration", "1s", "--sandbox-fault", "photo-number")
	assert.Equal(t, exitFail, code, out)
	assert.Contains(t, out, "contract violations under load")
	assert.Contains(t, out, "verdict: FAIL")

	code, out, _ = cliRun(t, nil, "load", "--scenario", "read-only", "--duration", "1s", "--slo", "p99(search)<1us")
	assert.Equal(t, exitFail, code, out)
	assert.Contains(t, out, "FAIL  p99(search)<1us")
}

func TestLoadUsageErrors(t *testing.T) {
	fx := filepath.Join(t.TempDir(), "fx.json")
	require.NoError(t, os.WriteFile(fx, []byte(`{"points":["p"],"clients":[{"phone":"79200000001"}]}`), 0o644))
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("load: {rate: 1/s, duration: 1s}\nflows: [{name: a, weight: 1, steps: [{op: serch}]}]\n"), 0o644))
	key := map[string]string{api.APIKeyEnv: "k"}
	tests := []struct {
		args []string
		vars map[string]string
		want string
	}{
		{[]string{"load", "--scenario", "nope"}, nil, "no such built-in scenario"},
		{[]string{"load", "--scenario", bad}, nil, "line 2: flows.0.steps.0.op"},
		{[]string{"load", "--scenario", "checkout", "--rate", "fast"}, nil, "--rate"},
		{[]string{"load", "--scenario", "checkout", "--slo", "p99(retal)<1s"}, nil, `unknown step "retal"`},
		{[]string{"load", "--scenario", "checkout", "--validate", "2"}, nil, "--validate"},
		{[]string{"load", "--scenario", "checkout", "--bogus"}, nil, "unknown flag"},
		{[]string{"load", "--scenario", "checkout", "--target", "http://127.0.0.1:1"}, key, "--target needs --fixtures"},
		{[]string{"load", "--scenario", "checkout", "--target", "http://127.0.0.1:1", "--fixtures", fx}, nil, "LOYALCHECK_APIKEY"},
		{[]string{"load", "--scenario", "checkout", "--target", "http://127.0.0.1:1", "--fixtures", "/no/such/file"}, key, "fixtures"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			code, out, errs := cliRun(t, tt.vars, tt.args...)
			assert.Equal(t, exitUsage, code, out+errs)
			assert.Contains(t, errs, tt.want)
			assert.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
		})
	}
}

// deadTarget returns the URL of a loopback port nobody listens on, and a
// fixtures file for it.
func deadTarget(t *testing.T) (url, fixtures string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url = "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	fixtures = filepath.Join(t.TempDir(), "fx.json")
	fx := &api.Fixtures{Points: []string{"p"}, Clients: []api.FixtureClient{{Phone: "79200000001"}}}
	require.NoError(t, fx.WriteFile(fixtures))
	return url, fixtures
}

func TestLoadUnreachable(t *testing.T) {
	url, fx := deadTarget(t)
	code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: "k"}, "load", "--scenario", "read-only", "--target", url, "--fixtures", fx, "--timeout", "1s")
	assert.Equal(t, exitUnreachable, code, out+errs)
	assert.Contains(t, errs, "unreachable")
}
