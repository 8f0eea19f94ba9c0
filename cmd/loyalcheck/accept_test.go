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
)

func TestAcceptPassesOnTheSandbox(t *testing.T) {
	const key = "accept-k3y-7f3e0b-never-printed"
	dir := t.TempDir()
	code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: key}, "accept", "--scenario", relaxedCheckout(t), "--duration", "2s", "--out", dir)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, out, "verdict: PASS — open "+filepath.Join(dir, "report.html"))
	for _, f := range []string{"run.json", "report.txt", "report.md", "report.html", "junit.xml", "results.bin", "sessions.bin", "plot.html"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	rec, err := record.Read(dir)
	require.NoError(t, err)
	assert.True(t, rec.Verdict.Pass)
	assert.Equal(t, record.KindAccept, rec.Kind)
	require.NotNil(t, rec.Contract)
	require.NotNil(t, rec.Load)
	assert.Zero(t, rec.Contract.Summary.Fail)
	assert.NotEmpty(t, rec.Thresholds)
	assert.True(t, rec.Target.Embedded)
	assertNoKey(t, key, dir, out, errs)

	// report re-renders from run.json without a target.
	code, md, _ := cliRun(t, nil, "report", dir, "--format", "md")
	require.Equal(t, exitOK, code)
	assert.Contains(t, md, "PASS")
}

func TestAcceptFailsOnAFault(t *testing.T) {
	const key = "accept-k3y-fault-run-4411"
	dir := t.TempDir()
	code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: key}, "accept", "--duration", "2s", "--out", dir, "--sandbox-fault", "earn-wrong")
	require.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, out, "verdict: FAIL")
	junit, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(junit), "<failure")
	assert.Contains(t, string(junit), "C4")
	rec, err := record.Read(dir)
	require.NoError(t, err)
	assert.False(t, rec.Verdict.Pass)
	assert.True(t, strings.Contains(strings.Join(rec.Verdict.Reasons, "\n"), "C4"), "%v", rec.Verdict.Reasons)
	assertNoKey(t, key, dir, out, errs)
}

// accept against fixtures without a discount client: INCOMPLETE (exit 1)
// in every report and in junit.xml, PASS once S3 is accepted by name.
func TestAcceptIncompleteUntilAccepted(t *testing.T) {
	url, fx := noDiscountTarget(t, "incomplete-run-key-5e1")
	vars := map[string]string{api.APIKeyEnv: "incomplete-run-key-5e1"}
	dir := t.TempDir()
	code, out, errs := cliRun(t, vars, "accept", "--target", url, "--fixtures", fx, "--duration", "1s", "--out", dir)
	require.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, out, "loyalcheck accept: INCOMPLETE")
	assert.Contains(t, out, "contract: S3 (doc) unverified: s3-discount-balance: fixtures have no discount client")
	rec, err := record.Read(dir)
	require.NoError(t, err)
	assert.True(t, rec.Verdict.Incomplete)
	for _, f := range []string{"report.md", "report.html", "junit.xml"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		assert.Contains(t, string(b), "INCOMPLETE", f)
		assert.Contains(t, string(b), "fixtures have no discount client", f)
	}
	junit, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(junit), `<testcase name="S3 coverage"`)

	dir = t.TempDir()
	code, out, errs = cliRun(t, vars, "accept", "--target", url, "--fixtures", fx, "--duration", "1s", "--out", dir, "--accept-unverified", "S3")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	rec, err = record.Read(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"S3"}, rec.Contract.AcceptUnverified)
	assert.Contains(t, strings.Join(rec.Verdict.Notes, "\n"), "S3 unverified, accepted by --accept-unverified")
}

func TestAcceptUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"accept", "--profile", "lax"},
		{"accept", "--scenario", "nope"},
		{"accept", "--slo", "p99(x)<1s"},
		{"accept", "--color", "sometimes"},
		{"accept", "extra"},
	} {
		code, out, errs := cliRun(t, nil, args...)
		assert.Equal(t, exitUsage, code, "%v: %s%s", args, out, errs)
		assert.Equal(t, 1, strings.Count(errs, "\n"), "%v: one line: %q", args, errs)
	}
}
