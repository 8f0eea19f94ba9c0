package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/reports/record"
	"loyalcheck/sandbox"
)

const readOnlyKey = "read-only-k3y-5e6f"

// loggingProxy reverse-proxies to a sandbox and records the path of every
// request that goes through.
type loggingProxy struct {
	sb  *sandbox.Sandbox
	url string
	fx  string

	mu    sync.Mutex
	paths map[string]int
}

func newLoggingProxy(t *testing.T) *loggingProxy {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), sandbox.WithDB(sandbox.MemoryDB), sandbox.WithAPIKey(readOnlyKey))
	require.NoError(t, err)
	u, err := url.Parse(sb.URL())
	require.NoError(t, err)
	p := &loggingProxy{sb: sb, paths: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.paths[r.URL.Path]++
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { hs.Close(); sb.Close() })
	p.url = hs.URL
	p.fx = writeFixtures(t, sb.Fixtures())
	return p
}

func (p *loggingProxy) count(ep api.Endpoint) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paths[ep.Path()]
}

func TestReadOnlySendsNoWrite(t *testing.T) {
	env := map[string]string{api.APIKeyEnv: readOnlyKey}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"contract", []string{"contract", "--read-only"}},
		{"accept", []string{"accept", "--read-only", "--rate", "5/s", "--duration", "1s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newLoggingProxy(t)
			before := p.sb.Server().Balances()
			dir := t.TempDir()
			args := append(append([]string{}, tc.args...), "--target", p.url, "--fixtures", p.fx)
			if tc.name == "accept" {
				args = append(args, "--out", dir)
			}
			code, out, errs := cliRun(t, env, args...)
			require.NotEqual(t, exitUsage, code, "%s\n%s", out, errs)
			require.NotEqual(t, exitUnreachable, code, "%s\n%s", out, errs)
			for _, ep := range []api.Endpoint{api.EpHold, api.EpRelease, api.EpRetail} {
				assert.Zero(t, p.count(ep), "%s requests reached the target under --read-only", ep)
			}
			assert.Positive(t, p.count(api.EpSearch))
			assert.Positive(t, p.count(api.EpRecalc))
			assert.Equal(t, before, p.sb.Server().Balances(), "a fixture client's balance changed under --read-only")
			assert.Contains(t, out, "read-only: the check needs a")
			assert.NotContains(t, out, "FAIL ", "a read-only skip is no failure:\n%s", out)
			if tc.name == "contract" {
				assert.Equal(t, exitOK, code, "%s\n%s", out, errs)
				return
			}
			rec, err := record.Read(dir)
			require.NoError(t, err)
			require.NotNil(t, rec.Contract)
			assert.True(t, rec.Contract.ReadOnly)
			assert.Zero(t, rec.Contract.Summary.Fail)
			assert.Equal(t, "read-only", rec.Scenario.Name, "--read-only picks the read-only scenario")
		})
	}
}

func TestReadOnlyRefusesWritingScenarios(t *testing.T) {
	for _, args := range [][]string{
		{"load", "--read-only", "--scenario", "checkout"},
		{"capacity", "--read-only", "--scenario", "hold-contention", "--slo", "p99(session)<1s"},
		{"accept", "--read-only", "--scenario", "checkout"},
	} {
		t.Run(args[0], func(t *testing.T) {
			code, out, errs := cliRun(t, nil, args...)
			assert.Equal(t, exitUsage, code, "%s\n%s", out, errs)
			assert.Contains(t, errs, "--read-only: scenario")
			assert.Contains(t, errs, "change the target")
			assert.Empty(t, out)
		})
	}
}

func TestHelpSaysWhatWritesToTheTarget(t *testing.T) {
	for _, cmd := range []string{"contract", "load", "accept", "capacity"} {
		code, out, _ := cliRun(t, nil, cmd, "--help")
		require.Equal(t, exitOK, code)
		assert.Contains(t, out, "--read-only", cmd)
		assert.Contains(t, out, "WRITE", cmd)
		assert.Contains(t, out, "spend and accrue points on the fixture clients", cmd)
	}
}
