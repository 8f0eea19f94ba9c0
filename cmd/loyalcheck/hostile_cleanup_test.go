package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/internal/slowdown"
	"loyalcheck/sandbox"
)

const cleanupKey = "cleanup-k3y-0b1c2d"

// slowTarget is a sandbox behind a wrapper that interrupts the run when
// the nth request to ep reaches it, then answers every request slowly
// (refusing releases with 503 when refuse is set): a busy, or hostile,
// production target at the moment of a Ctrl-C.
type slowTarget struct {
	srv      *sandbox.Server
	url      string
	fixtures string
	quiesce  func() // waits until every request received has been served
}

func newSlowTarget(t *testing.T, ep api.Endpoint, nth int64, cancel context.CancelFunc, refuse bool) *slowTarget {
	t.Helper()
	srv, err := sandbox.New(sandbox.WithDB(sandbox.MemoryDB), sandbox.WithAPIKey(cleanupKey), sandbox.WithClients(20))
	require.NoError(t, err)
	refusePath := ""
	if refuse {
		refusePath = api.EpRelease.Path()
	}
	hs := httptest.NewServer(slowdown.After(ep.Path(), nth, cancel, 100*time.Millisecond, refusePath)(srv))
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &slowTarget{srv: srv, url: hs.URL, fixtures: writeFixtures(t, srv.Fixtures()), quiesce: hs.Close}
}

func (s *slowTarget) active() []string {
	var ids []string
	for _, h := range s.srv.ActiveHolds() {
		ids = append(ids, h.ID)
	}
	return ids
}

// runUntilInterrupted runs the CLI in-process against tg; the wrapper of
// tg cancels ctx (what Ctrl-C does in main).
func runUntilInterrupted(ctx context.Context, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string {
		if k == api.APIKeyEnv {
			return cleanupKey
		}
		return ""
	}}
	code := run(ctx, e, args)
	return code, out.String(), errb.String()
}

func TestContractInterruptLeavesNoHold(t *testing.T) {
	for _, m := range []struct {
		ep  api.Endpoint
		nth int64
	}{{api.EpHold, 1}, {api.EpHold, 4}, {api.EpHold, 12}, {api.EpRelease, 2}, {api.EpRetail, 3}} {
		t.Run(fmt.Sprintf("%s-%d", m.ep, m.nth), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tg := newSlowTarget(t, m.ep, m.nth, cancel, false)
			code, out, errs := runUntilInterrupted(ctx, "contract", "--target", tg.url, "--fixtures", tg.fixtures)
			tg.quiesce()
			require.Error(t, ctx.Err(), "the run never reached the interrupt\n%s\n%s", out, errs)
			assert.Empty(t, tg.active(), "holds left active after Ctrl-C at %s #%d\n%s", m.ep, m.nth, out)
			assert.Equal(t, exitFail, code, "an interrupted run is not a pass")
			assert.Contains(t, errs, "interrupted")
			assert.Contains(t, out, "SKIP")
			assert.Contains(t, out, "interrupted: the run was stopped while this check ran")
			assert.NotContains(t, out, "FAIL", "an interrupt is no failure of the target")
			assert.NotContains(t, out, "HOLDS LEFT ACTIVE")
		})
	}
}

func TestContractInterruptListsHoldsItCouldNotRelease(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tg := newSlowTarget(t, api.EpHold, 4, cancel, true)
	js := filepath.Join(t.TempDir(), "contract.json")
	_, out, _ := runUntilInterrupted(ctx, "contract", "--target", tg.url, "--fixtures", tg.fixtures, "--json", js)
	tg.quiesce()
	left := tg.active()
	require.NotEmpty(t, left, "the target refused the releases: something must be left")
	b, err := os.ReadFile(js)
	require.NoError(t, err)
	assert.Contains(t, out, "HOLDS LEFT ACTIVE")
	for _, id := range left {
		assert.Contains(t, out, id)
		assert.Contains(t, string(b), id)
	}
	assert.Contains(t, string(b), `"unreleased_holds"`)
}

// holdAndWait keeps a hold open across a long think, so an interrupt
// finds holds in flight and holds active.
const holdAndWait = `
name: hold-and-wait
description: hold a point, wait, release
load: {pacer: constant, rate: 40/1s, duration: 1m}
clients: {pick: uniform, type: cashback}
points: {pick: uniform}
slo: ["errors<100%"]
flows:
  - name: hold-wait-release
    weight: 1
    steps:
      - op: search
      - op: recalc
      - op: hold
        hold: fixed
        points: 1
      - op: release
        think: {min: 10s, max: 10s}
`

// holdAndWaitFile writes holdAndWait as a scenario file and returns its
// path.
func holdAndWaitFile(t *testing.T) string {
	t.Helper()
	sc := filepath.Join(t.TempDir(), "hold-and-wait.yaml")
	require.NoError(t, os.WriteFile(sc, []byte(holdAndWait), 0o644))
	return sc
}

func TestLoadInterruptWithShortDrainLeavesNoHold(t *testing.T) {
	sc := holdAndWaitFile(t)
	for _, cmd := range []string{"load", "capacity"} {
		t.Run(cmd, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tg := newSlowTarget(t, api.EpHold, 10, cancel, false)
			args := []string{cmd, "--target", tg.url, "--fixtures", tg.fixtures, "--scenario", sc, "--drain", "1ns"}
			if cmd == "capacity" {
				args = append(args, "--start", "40/s", "--step-duration", "1m")
			}
			_, out, errs := runUntilInterrupted(ctx, args...)
			tg.quiesce()
			require.Error(t, ctx.Err(), "the run never reached the interrupt\n%s\n%s", out, errs)
			assert.Empty(t, tg.active(), "holds left active\n%s\n%s", out, errs)
			assert.NotContains(t, out, "HOLDS LEFT ACTIVE")
		})
	}
}

// TestAcceptListsUnreleasedHoldsInEveryReport: holds the run could not
// release are named by id in every file of the run directory.
func TestAcceptListsUnreleasedHoldsInEveryReport(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tg := newSlowTarget(t, api.EpHold, 3, cancel, true)
	dir := t.TempDir()
	code, out, errs := runUntilInterrupted(ctx, "accept", "--target", tg.url, "--fixtures", tg.fixtures, "--out", dir,
		"--rate", "2/s", "--duration", "1s")
	tg.quiesce()
	require.Equal(t, exitFail, code, "%s\n%s", out, errs)
	left := tg.active()
	require.NotEmpty(t, left)
	for _, f := range []string{"run.json", "report.txt", "report.md", "report.html", "junit.xml"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err, f)
		for _, id := range left {
			assert.Contains(t, string(b), id, "%s does not name the hold left active", f)
		}
	}
	assert.Contains(t, out, left[0])
}

// TestLoadListsUnreleasedHolds: a target refusing releases after Ctrl-C
// keeps the run's holds; load names each on the terminal and in every
// report file.
func TestLoadListsUnreleasedHolds(t *testing.T) {
	sc := holdAndWaitFile(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tg := newSlowTarget(t, api.EpHold, 10, cancel, true)
	dir := t.TempDir()
	code, out, errs := runUntilInterrupted(ctx, "load", "--target", tg.url, "--fixtures", tg.fixtures, "--scenario", sc,
		"--drain", "1ns", "--out", dir)
	tg.quiesce()
	require.Error(t, ctx.Err(), "the run never reached the interrupt\n%s\n%s", out, errs)
	assert.Equal(t, exitFail, code)
	left := tg.active()
	require.NotEmpty(t, left)
	assert.Contains(t, out, "HOLDS LEFT ACTIVE")
	for _, f := range []string{"run.json", "summary.json", "report.txt", "report.md", "report.html", "junit.xml"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err, f)
		for _, id := range left {
			assert.Contains(t, string(b), id, "%s does not name the hold left active", f)
		}
	}
	for _, id := range left {
		assert.Contains(t, out, id)
	}
}
