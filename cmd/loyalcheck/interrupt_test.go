package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/reports"
)

// interrupt runs loyalcheck ARGS... as a child process, sends it SIGINT
// (Ctrl-C) after d, and returns its exit code and output.
func interrupt(t *testing.T, d time.Duration, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(withoutEnv(os.Environ(), api.APIKeyEnv), childEnv+"=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	require.NoError(t, cmd.Start())
	time.Sleep(d)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill() //nolint:errcheck
		t.Fatalf("no exit after SIGINT; stderr: %s", errb.String())
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

func TestLoadCtrlCWritesWhatItMeasured(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := interrupt(t, 2*time.Second, "load", "--scenario", "checkout", "--duration", "5m", "--out", dir)
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
	assert.Greater(t, sum.Sessions.Started, 10)
	assert.FileExists(t, filepath.Join(dir, "results.bin"))
	assert.FileExists(t, filepath.Join(dir, "sessions.bin"))
	assert.FileExists(t, filepath.Join(dir, "plot.html"))
}

func TestAcceptCtrlCWritesReports(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := interrupt(t, 3*time.Second, "accept", "--duration", "5m", "--out", dir)
	assert.Equal(t, exitFail, code, "%s\n%s", out, errs)
	assert.Contains(t, errs, "interrupted")
	rec, err := reports.ReadRecord(dir)
	require.NoError(t, err)
	require.NotNil(t, rec.Load)
	assert.True(t, rec.Load.Interrupted)
	assert.False(t, rec.Verdict.Pass)
	assert.FileExists(t, filepath.Join(dir, "report.html"))
}
