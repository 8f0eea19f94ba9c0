package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/preflight"
	"loyalcheck/reports/record"
	"loyalcheck/sandbox"
	"loyalcheck/schemas"
)

// writeFixtures writes fx as a fixtures file and returns its path.
func writeFixtures(t *testing.T, fx *api.Fixtures) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fx.json")
	require.NoError(t, fx.WriteFile(p))
	return p
}

func TestTargetWithoutSchemeIsNamed(t *testing.T) {
	fx := writeFixtures(t, &api.Fixtures{Points: []string{"p"}, Clients: []api.FixtureClient{{Phone: "1"}}})
	for _, cmd := range []string{"contract", "load", "accept", "capacity"} {
		t.Run(cmd, func(t *testing.T) {
			args := []string{cmd, "--target", "127.0.0.1:1", "--fixtures", fx}
			if cmd == "load" {
				args = append(args, "--scenario", "read-only")
			}
			if cmd == "accept" {
				args = append(args, "--out", t.TempDir())
			}
			code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: "k"}, args...)
			assert.Equal(t, exitUsage, code, out+errs)
			assert.Contains(t, errs, "target must be an http(s) URL")
			assert.NotContains(t, errs, "first path segment")
			assert.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
		})
	}
}

// testKey is the apikey of these tests: long enough that scrubbing it
// cannot touch the record's own words.
const testKey = "Zq-preflight-key-7731"

// targetArgs are the arguments of cmd against url with fixtures fx,
// artifacts into dir (when the command takes --out).
func targetArgs(cmd, url, fx, dir string, extra ...string) []string {
	args := []string{cmd, "--target", url, "--fixtures", fx}
	switch cmd {
	case "load":
		args = append(args, "--scenario", "read-only", "--duration", "1s", "--rate", "5/s")
	case "capacity":
		args = append(args, "--slo", "p99(session)<1s", "--start", "5/s", "--max", "5/s", "--step-duration", "1s")
	}
	if dir != "" {
		args = append(args, "--out", dir)
	}
	return append(args, extra...)
}

// startSandbox starts a sandbox on loopback that takes apikey key.
func startSandbox(t *testing.T, key string) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), sandbox.WithAPIKey(key))
	require.NoError(t, err)
	t.Cleanup(func() { sb.Close() })
	return sb
}

// assertStoppedRun checks that dir holds a run record that validates
// against the published schema, fails with an error of kind, and a JUnit
// file with one failing case giving the reason.
func assertStoppedRun(t *testing.T, dir, kind, reason string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, record.File))
	require.NoError(t, err, "run.json is written")
	sch, err := schemas.Compile("run.schema.json")
	require.NoError(t, err)
	assert.Empty(t, sch.Validate(b))
	rec, err := record.Read(dir)
	require.NoError(t, err)
	require.NotNil(t, rec.Error)
	assert.Equal(t, kind, rec.Error.Kind)
	assert.Contains(t, rec.Error.Message, reason)
	assert.False(t, rec.Verdict.Pass)

	jb, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	require.NoError(t, err, "junit.xml is written")
	var doc struct {
		Suites []struct {
			Cases []struct {
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(jb, &doc))
	var failures []string
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil {
				failures = append(failures, c.Failure.Message)
			}
		}
	}
	require.Len(t, failures, 1, "one failing test case")
	assert.Contains(t, failures[0], reason)
}

// Fixtures naming clients and points the target does not know are a
// configuration error of every command, listed, before any check: never
// a PASS, never a rule failure blamed on the target.
func TestUnknownFixturesAreAConfigError(t *testing.T) {
	sb := startSandbox(t, testKey)
	fx := *sb.Fixtures()
	for i := range 7 {
		fx.Clients = append(fx.Clients, api.FixtureClient{Phone: fmt.Sprintf("7999000000%d", i)})
	}
	fx.Points = append(fx.Points, "no-such-point")
	path := writeFixtures(t, &fx)
	for _, cmd := range []string{"contract", "load", "accept", "capacity"} {
		t.Run(cmd, func(t *testing.T) {
			dir := t.TempDir()
			code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: testKey}, targetArgs(cmd, sb.URL(), path, dir)...)
			require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			assert.Contains(t, errs, fmt.Sprintf("7 of %d fixture clients unknown to the target (79990000000, 79990000001, 79990000002, 79990000003, 79990000004 and 2 more)", len(fx.Clients)))
			assert.Contains(t, errs, fmt.Sprintf("1 of %d fixture points unknown to the target (no-such-point)", len(fx.Points)))
			assert.NotContains(t, out, "FAIL S1")
			assert.NotContains(t, out, "PASS")
			assertStoppedRun(t, dir, record.ErrorConfig, "7 of")
		})
	}
}

// An unknown search point alone (the fixtures' first) used to show as an
// S1 failure of the target.
func TestUnknownPointIsNotARuleFailure(t *testing.T) {
	sb := startSandbox(t, testKey)
	fx := *sb.Fixtures()
	fx.Points = append([]string{"no-such-point"}, fx.Points...)
	code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: testKey}, targetArgs("contract", sb.URL(), writeFixtures(t, &fx), "")...)
	require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, errs, "fixture points unknown to the target (no-such-point)")
	assert.NotContains(t, out, "FAIL")
}

// A base URL with a path the API does not live under says so, exit 3.
func TestWrongBaseURLSaysSo(t *testing.T) {
	sb := startSandbox(t, testKey)
	path := writeFixtures(t, sb.Fixtures())
	for _, cmd := range []string{"contract", "load", "accept", "capacity"} {
		t.Run(cmd, func(t *testing.T) {
			dir := t.TempDir()
			code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: testKey}, targetArgs(cmd, sb.URL()+"/api", path, dir)...)
			require.Equal(t, exitUnreachable, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			want := fmt.Sprintf("no loyalty API at %s/api/integration/general/client (HTTP 404): check the path in --target", sb.URL())
			assert.Contains(t, errs, want)
			assert.NotContains(t, out, "skip")
			assertStoppedRun(t, dir, record.ErrorNoAPI, "no loyalty API at")
		})
	}
}

// A target that accepts requests and never answers ends the run with
// exit 3 after a few timeouts, not one timeout per fixture client.
func TestHangingTargetFailsFast(t *testing.T) {
	var seen atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	fx := &api.Fixtures{Points: []string{"p"}}
	for i := range 200 {
		fx.Clients = append(fx.Clients, api.FixtureClient{Phone: fmt.Sprintf("7920%07d", i)})
	}
	path := writeFixtures(t, fx)
	for _, cmd := range []string{"contract", "load", "accept", "capacity"} {
		t.Run(cmd, func(t *testing.T) {
			seen.Store(0)
			dir := t.TempDir()
			code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: testKey}, targetArgs(cmd, srv.URL, path, dir, "--timeout", "200ms")...)
			require.Equal(t, exitUnreachable, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			assert.Contains(t, errs, "requests in a row got no answer")
			// One timeout per worker at most, far from one per client.
			assert.LessOrEqual(t, seen.Load(), int64(preflight.DefaultConcurrency+preflight.DefaultMaxTransportErrors))
			assertStoppedRun(t, dir, record.ErrorUnreachable, "no answer")
		})
	}
}

// CI gets run.json and junit.xml with the reason whatever stopped the run:
// an unreachable target, a refused key.
func TestStoppedRunsStillWriteArtifacts(t *testing.T) {
	dead, deadFx := deadTarget(t)
	sb := startSandbox(t, "the-right-key")
	sbFx := writeFixtures(t, sb.Fixtures())
	for _, cmd := range []string{"contract", "load", "accept", "capacity"} {
		t.Run(cmd+"/unreachable", func(t *testing.T) {
			dir := t.TempDir()
			code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: testKey}, targetArgs(cmd, dead, deadFx, dir, "--timeout", "1s")...)
			require.Equal(t, exitUnreachable, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			assertStoppedRun(t, dir, record.ErrorUnreachable, "connection refused")
		})
		t.Run(cmd+"/key refused", func(t *testing.T) {
			dir := t.TempDir()
			const wrong = "Zq-wrong-key-5531"
			code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: wrong}, targetArgs(cmd, sb.URL(), sbFx, dir)...)
			require.Equal(t, exitUnreachable, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			assert.Contains(t, errs, "refuses the apikey")
			assertStoppedRun(t, dir, record.ErrorUnreachable, "refuses the apikey")
			assertNoKey(t, wrong, dir, out, errs)
		})
	}
}
