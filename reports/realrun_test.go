package reports

import (
	"context"
	"flag"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"loyalcheck/contract"
	"loyalcheck/load"
	"loyalcheck/reports/record"
	"loyalcheck/sandbox"
	"loyalcheck/scenarios"
)

// testAPIKey is a key no report may ever contain: the real runs below use
// it, and TestNoAPIKeyInAnyReport looks for it in every format.
const testAPIKey = "LCK-7f3a9c1e-unmistakable-secret-QZ81"

// run describes a real run of the contract suite and/or a load scenario
// against an in-process sandbox.
type run struct {
	kind     string
	faults   []string
	scenario string // "" for no load
	duration time.Duration
	slo      []string
	contract bool
}

// realRecord runs r and returns its judged record.
func realRecord(t testing.TB, r run) *record.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.WithAPIKey(testAPIKey), sandbox.WithFaults(r.faults...))
	require.NoError(t, err)
	defer sb.Close()
	c, err := sb.Client()
	require.NoError(t, err)

	rec := record.New(r.kind, "v0.0.0-test")
	rec.Target = record.TargetOf(sb.URL(), true)
	rec.Fixtures = record.SummarizeFixtures(sb.Fixtures())
	if r.contract {
		res, err := contract.Run(ctx, c, sb.Fixtures(), contract.WithAPIKey(testAPIKey))
		require.NoError(t, err)
		rec.Contract = res.Record()
	}
	if r.scenario != "" {
		sc, err := scenarios.Load(r.scenario)
		require.NoError(t, err)
		rec.Scenario = record.ScenarioInfoOf(sc)
		sum, err := load.Run(ctx, c, sb.Fixtures(), sc, load.WithDuration(r.duration))
		require.NoError(t, err)
		rec.Load = (sum).Record()
		ts, err := load.ParseThresholds(append(append([]string{}, sc.SLO...), r.slo...))
		require.NoError(t, err)
		rec.Thresholds = load.EvaluateAll(ts, sum)
	}
	rec.Ended = time.Now().UTC()
	Judge(rec)
	return rec
}

// The runs shared by the tests, each made once per test binary.
var (
	faultyOnce sync.Once
	faultyRec  *record.Record
)

// faultyRun is an accept run (contract, then load) against a sandbox with
// faults that break a doc rule (C4: recalc's earn), a rule checked under
// load (S7: search's level percent) and the ledger (L1: accruals lost),
// with one threshold that cannot be met.
func faultyRun(t testing.TB) *record.Record {
	faultyOnce.Do(func() {
		faultyRec = realRecord(t, run{
			kind: record.KindAccept, contract: true,
			faults:   []string{"earn-wrong", "percent-over-100", "accrue-lost"},
			scenario: "hold-contention", duration: 2 * time.Second,
			slo: []string{"p99(retail)<1us", "p99(search)<5s"},
		})
	})
	require.NotNil(t, faultyRec, "the shared faulty run failed in an earlier test")
	return faultyRec
}

var demoDir = flag.String("demo-dir", "", "write a demo run directory (run.json and every report) here; used by make report-screenshot")

// TestWriteDemo writes a realistic failing accept run and its reports into
// -demo-dir (skipped without it).
func TestWriteDemo(t *testing.T) {
	if *demoDir == "" {
		t.Skip("set -demo-dir to write the demo run")
	}
	rec := realRecord(t, run{
		kind: record.KindAccept, contract: true,
		faults:   []string{"earn-wrong", "percent-over-100", "accrue-lost"},
		scenario: "hold-contention", duration: 10 * time.Second,
		slo: []string{"p99(retail)<50ms", "p99.9(session)<1s"},
	})
	dir, err := filepath.Abs(*demoDir)
	require.NoError(t, err)
	paths, err := WriteAll(dir, rec)
	require.NoError(t, err)
	for _, f := range Formats() {
		t.Logf("wrote %s", paths[f])
	}
}
