package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/reports/record"
)

// loadRuns writes run directories of short loopback loads of the
// read-only scenario at 40 sessions/s, one per entry of extra (the
// flags each adds, e.g. a --sandbox-delay), all at the same time so that
// the drift of a busy machine hits them alike.
func loadRuns(t *testing.T, extra ...[]string) []string {
	t.Helper()
	dirs := make([]string, len(extra))
	var wg sync.WaitGroup
	for i, ex := range extra {
		dirs[i] = filepath.Join(t.TempDir(), "run")
		wg.Go(func() {
			args := append([]string{"load", "--scenario", "read-only", "--rate", "40/1s", "--duration", "2s", "--out", dirs[i]}, ex...)
			// The scenario's own SLOs may fail on a busy machine: the
			// run directory is what matters here.
			_, _, _ = cliRun(t, nil, args...)
		})
	}
	wg.Wait()
	for _, d := range dirs {
		require.FileExists(t, filepath.Join(d, "run.json"))
	}
	return dirs
}

// editRecord rewrites a copy of a run's run.json through edit and returns
// the copy's directory.
func editRecord(t *testing.T, dir string, edit func(map[string]any)) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "run.json"))
	require.NoError(t, err)
	var rec map[string]any
	require.NoError(t, json.Unmarshal(b, &rec))
	edit(rec)
	out := t.TempDir()
	b, err = json.Marshal(rec)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(out, "run.json"), b, 0o644))
	return out
}

// recalcP90 is the slowest recalc p90 of the runs in dirs.
func recalcP90(t *testing.T, dirs ...string) time.Duration {
	t.Helper()
	var p90 time.Duration
	for _, dir := range dirs {
		rec, err := record.Read(dir)
		require.NoError(t, err)
		for _, m := range rec.Load.Steps {
			if m.Name == string(api.EpRecalc) {
				p90 = max(p90, m.Latency.P90)
			}
		}
	}
	return p90
}

// slowRecalc is a delay of recalc that stands out of what the machine
// showed in the runs in dirs: three times their slowest recalc p90, at
// least 50ms. A busy machine (or the race detector) stretches every
// latency; a delay sized from the runs themselves is caught however busy
// it is.
func slowRecalc(t *testing.T, dirs ...string) time.Duration {
	t.Helper()
	return max(50*time.Millisecond, 3*recalcP90(t, dirs...)).Round(time.Millisecond)
}

// delayedRuns writes a run whose recalc answers later beside a run of
// its base, at the same time so that a busy machine's drift hits both
// alike, and returns (base, delayed). The delay is first sized from the
// runs in sizedBy (slowRecalc); but a busy machine's load changes from
// one moment to the next: when the base run shows a recalc p90 over half
// the delay, the delay was sized from a quieter moment, and the pair is
// run again with one sized from that base. What is judged is always a
// pair whose delay is large beside its own base's latency.
func delayedRuns(t *testing.T, sizedBy ...string) (string, string) {
	t.Helper()
	delay := slowRecalc(t, sizedBy...)
	for range 3 {
		dirs := loadRuns(t, nil, []string{"--sandbox-delay", "recalc=" + delay.String()})
		p90 := recalcP90(t, dirs[0])
		t.Logf("recalc delayed by %s; the base's recalc p90 %s", delay, p90)
		if 2*p90 <= delay {
			return dirs[0], dirs[1]
		}
		delay = (3 * p90).Round(time.Millisecond)
	}
	t.Fatalf("the machine's recalc latency grew past half of every delay tried (the last %s)", delay)
	return "", ""
}

// TestCompareRuns: runs of one build compare with exit 0; a build whose
// recalc answers later is a regression on recalc only, with a positive
// change, and exit 1; every format is written with --out.
//
// The delayed build runs beside a run of its own base (delayedRuns): runs
// apart in time meet a busy machine's load apart, a real difference of
// search latency the comparison would rightly flag.
func TestCompareRuns(t *testing.T) {
	dirs := loadRuns(t, nil, nil)
	base, same := dirs[0], dirs[1]
	slowBase, slow := delayedRuns(t, base, same)

	t.Run("same build", func(t *testing.T) {
		code, out, errs := cliRun(t, nil, "compare", base, same)
		require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
		assert.True(t, strings.HasPrefix(out, "loyalcheck compare: NO REGRESSION\n"), out)
		assert.NotContains(t, out, " regression:")
		assert.NotContains(t, out, "WARNING", "two runs of the embedded sandbox are alike")
		assert.Contains(t, out, "Method (confidence 99.00%): Latency quantiles: distribution-free 99% confidence intervals")
		for _, row := range []string{"count", "p50", "p90", "p99", "p99.9", "max", "errors", "throughput"} {
			assert.Regexp(t, `(?m)^\s+`+regexp.QuoteMeta(row)+`\s`, out)
		}
	})

	t.Run("delayed recalc", func(t *testing.T) {
		code, out, errs := cliRun(t, nil, "compare", slowBase, slow)
		require.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
		assert.True(t, strings.HasPrefix(out, "loyalcheck compare: REGRESSION\n"), out)
		assert.Regexp(t, `p50\(recalc\) regression: p50 \+[0-9.]+m?s \(\+`, out)
		assert.NotRegexp(t, `\(search\) regression`, out)
		assert.Contains(t, out, "\nverdict: REGRESSION\n")
	})

	t.Run("every format", func(t *testing.T) {
		outDir := filepath.Join(t.TempDir(), "cmp")
		code, out, errs := cliRun(t, nil, "compare", slowBase, slow, "--out", outDir)
		require.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
		for _, f := range []string{"compare.txt", "compare.md", "compare.json", "compare-junit.xml", "compare.html"} {
			assert.FileExists(t, filepath.Join(outDir, f))
			assert.Contains(t, out, filepath.Join(outDir, f))
		}
		var doc struct {
			Result struct{ Regression bool }
		}
		b, err := os.ReadFile(filepath.Join(outDir, "compare.json"))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &doc))
		assert.True(t, doc.Result.Regression)
		if xmllint, err := exec.LookPath("xmllint"); err == nil {
			xsd, err := filepath.Abs("../../reports/testdata/junit.xsd")
			require.NoError(t, err)
			res, err := exec.Command(xmllint, "--noout", "--schema", xsd, filepath.Join(outDir, "compare-junit.xml")).CombinedOutput()
			require.NoError(t, err, "%s", res)
		}

		code, out, _ = cliRun(t, nil, "compare", base, same, "--format", "md,json")
		require.Equal(t, exitOK, code)
		assert.True(t, strings.HasPrefix(out, "## ✅ loyalcheck compare: NO REGRESSION"), out)
		assert.Contains(t, out, "\n{\n  \"base\": {")
	})

	t.Run("bounds", func(t *testing.T) {
		// A bound wider than the delay turns the regression into a change
		// within bounds.
		code, out, errs := cliRun(t, nil, "compare", slowBase, slow, "--max-regression", "p50(recalc)+60s", "--max-regression", "p90(recalc)+60s")
		require.NotEqual(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", out, errs)
		assert.Contains(t, out, "p50(recalc) ok: ")
		assert.Regexp(t, `p50\(recalc\) ok: .*but within \+20% and \+1m0s`, out)
	})

	t.Run("different scenario", func(t *testing.T) {
		other := editRecord(t, same, func(rec map[string]any) { rec["load"].(map[string]any)["scenario"] = "checkout" })
		code, out, errs := cliRun(t, nil, "compare", base, other)
		require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", out, errs)
		assert.Empty(t, out)
		assert.Equal(t, 1, strings.Count(errs, "\n"), errs)
		assert.Contains(t, errs, `runs are not comparable: BASE ran scenario "read-only", NEW "checkout"`)
		assert.Contains(t, errs, "--force")

		code, out, errs = cliRun(t, nil, "compare", base, other, "--force")
		require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
		assert.Contains(t, out, `WARNING: different scenarios: BASE ran "read-only", NEW "checkout"`)
	})

	t.Run("no histograms", func(t *testing.T) {
		old := editRecord(t, base, func(rec map[string]any) {
			l := rec["load"].(map[string]any)
			for _, s := range l["steps"].([]any) {
				delete(s.(map[string]any), "histogram")
			}
			delete(l["session"].(map[string]any), "histogram")
		})
		code, out, errs := cliRun(t, nil, "compare", old, same)
		require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", out, errs)
		assert.Equal(t, 1, strings.Count(errs, "\n"), errs)
		assert.Contains(t, errs, "run.json has no histograms")
		assert.Contains(t, errs, "re-run it")
	})

	t.Run("usage", func(t *testing.T) {
		garbage := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(garbage, "run.json"), []byte(`{"version": 2, "kind": `), 0o644))
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{base}, "want two runs"},
			{[]string{base, same, "--max-regression", "p99(retail)*2"}, "max-regression \"p99(retail)*2\""},
			{[]string{base, same, "--max-regression", "bogus(recalc)+5%"}, "max-regression"},
			{[]string{base, same, "--confidence", "20"}, "confidence"},
			{[]string{base, same, "--format", "pdf"}, "--format"},
			{[]string{base, filepath.Join(t.TempDir(), "nothing")}, "NEW: run record"},
			{[]string{garbage, same}, "BASE: "},
		} {
			code, out, errs := cliRun(t, nil, append([]string{"compare"}, tc.args...)...)
			assert.Equal(t, exitUsage, code, "%v: %s", tc.args, errs)
			assert.Empty(t, out, tc.args)
			assert.Equal(t, 1, strings.Count(errs, "\n"), "%v: %s", tc.args, errs)
			assert.Contains(t, errs, tc.want, tc.args)
			assert.NotContains(t, errs, "panic")
		}
	})
}

func TestSandboxDelayUsage(t *testing.T) {
	for _, args := range [][]string{
		{"load", "--sandbox-delay", "recalc"},
		{"load", "--sandbox-delay", "nope=1ms"},
		{"load", "--target", "http://127.0.0.1:9", "--fixtures", "f.json", "--sandbox-delay", "recalc=1ms"},
	} {
		code, _, errs := cliRun(t, nil, args...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, errs)
		assert.Contains(t, errs, "--sandbox-delay", args)
	}
}

// A contract rule that passed in BASE and fails in NEW is a regression;
// the other way round it is fixed, and no regression.
func TestCompareContractRuns(t *testing.T) {
	pass, fail := runDir(t, false), runDir(t, true)
	code, out, errs := cliRun(t, nil, "compare", pass, fail)
	require.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, out, "contract rule C4 passed in BASE and fails in NEW")
	assert.Contains(t, out, "regressed (passed in BASE, fail in NEW): C4")

	code, out, errs = cliRun(t, nil, "compare", fail, pass)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, out, "fixed (failed in BASE, pass in NEW): C4")
}
