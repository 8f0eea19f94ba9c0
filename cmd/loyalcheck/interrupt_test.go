package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/reports/record"
	"loyalcheck/sandbox"
)

// countingTarget serves a sandbox on loopback, counting the recalcs it
// answers: besides the preflight's one per fixture point, only sessions
// recalc, so the count says that the load has begun, however long the
// machine took to get there.
type countingTarget struct {
	url, fixtures, key string
	points             int64
	recalcs            atomic.Int64
}

// sessions returns how many sessions have recalced at least, beyond the
// preflight's recalcs since base.
func (ct *countingTarget) sessions(base int64) int64 {
	return ct.recalcs.Load() - base - ct.points
}

func newCountingTarget(t *testing.T) *countingTarget {
	t.Helper()
	ct := &countingTarget{key: "k3y-interrupt-test-7c2d"}
	srv, err := sandbox.New(sandbox.WithDB(sandbox.MemoryDB), sandbox.WithAPIKey(ct.key))
	require.NoError(t, err)
	h := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.URL.Path == api.EpRecalc.Path() {
			ct.recalcs.Add(1)
		}
	}))
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		srv.Close()
	})
	ct.url = ts.URL
	ct.fixtures = writeFixtures(t, srv.Fixtures())
	ct.points = int64(len(srv.Fixtures().Points))
	return ct
}

// interrupt runs loyalcheck ARGS... against ct as a child process, sends
// it SIGINT (Ctrl-C) once ready says so, and returns its exit code and
// output. ready is polled with the child's stderr so far.
func interrupt(t *testing.T, ct *countingTarget, ready func(stderr string) bool, args ...string) (int, string, string) {
	t.Helper()
	args = append(args, "--target", ct.url, "--fixtures", ct.fixtures)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(withoutEnv(os.Environ(), api.APIKeyEnv), childEnv+"=1", api.APIKeyEnv+"="+ct.key)
	var out bytes.Buffer
	var errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Generous bounds, only so that a hung child fails the test instead of
	// hanging it: no assertion depends on them.
	waitFor := func(what string, d time.Duration, cond func() bool) {
		deadline := time.Now().Add(d)
		for !cond() {
			select {
			case <-done:
				t.Fatalf("exited before %s; stderr: %s", what, errb.String())
			case <-time.After(10 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill() //nolint:errcheck
				t.Fatalf("no %s within %s; stderr: %s", what, d, errb.String())
			}
		}
	}
	waitFor("load", 3*time.Minute, func() bool { return ready(errb.String()) })
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill() //nolint:errcheck
		t.Fatalf("no exit after SIGINT; stderr: %s", errb.String())
	}
	assertNoKey(t, ct.key, "", out.String(), errb.String())
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

func TestLoadCtrlCWritesWhatItMeasured(t *testing.T) {
	ct := newCountingTarget(t)
	dir := t.TempDir()
	code, out, errs := interrupt(t, ct, func(string) bool { return ct.sessions(0) >= 15 },
		"load", "--scenario", "checkout", "--duration", "5m", "--out", dir)
	assert.Equal(t, exitFail, code, "an interrupted run is not a pass\n%s\n%s", out, errs)
	assert.Contains(t, out, "load: interrupted after")
	assert.Contains(t, out, "LEDGER (L1-L3)\n  OK  ", "the ledger is audited after Ctrl-C")
	var sum struct {
		Interrupted bool
		Sessions    struct{ Started int }
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &sum))
	assert.True(t, sum.Interrupted)
	assert.GreaterOrEqual(t, sum.Sessions.Started, 15, "every session that recalced started")
	assert.FileExists(t, filepath.Join(dir, "results.bin"))
	assert.FileExists(t, filepath.Join(dir, "sessions.bin"))
	assert.FileExists(t, filepath.Join(dir, "plot.html"))
	assertNoKey(t, ct.key, dir)
}

func TestAcceptCtrlCWritesReports(t *testing.T) {
	ct := newCountingTarget(t)
	dir := t.TempDir()
	// The contract suite recalcs too: count from the start of the load.
	var mu sync.Mutex
	from := int64(-1)
	code, out, errs := interrupt(t, ct, func(stderr string) bool {
		mu.Lock()
		defer mu.Unlock()
		if from < 0 && strings.Contains(stderr, "accept: load scenario") {
			from = ct.recalcs.Load()
		}
		return from >= 0 && ct.sessions(from) >= 10
	}, "accept", "--duration", "5m", "--out", dir)
	assert.Equal(t, exitFail, code, "%s\n%s", out, errs)
	assert.Contains(t, errs, "interrupted")
	rec, err := record.Read(dir)
	require.NoError(t, err)
	require.NotNil(t, rec.Load)
	assert.True(t, rec.Load.Interrupted)
	assert.GreaterOrEqual(t, rec.Load.Sessions.Started, uint64(10))
	assert.False(t, rec.Verdict.Pass)
	assert.FileExists(t, filepath.Join(dir, "report.html"))
	assertNoKey(t, ct.key, dir)
}
