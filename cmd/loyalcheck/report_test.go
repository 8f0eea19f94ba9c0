package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/contract"
	"loyalcheck/reports"
	"loyalcheck/reports/record"
	"loyalcheck/schemas"
)

// runDir writes a run directory holding a contract record with one failed
// rule (or none) and returns it. The target is a closed port: report must
// not need it.
func runDir(t *testing.T, fail bool) string {
	t.Helper()
	r := record.New(record.KindContract, "v9.9.9")
	r.Target = record.TargetOf("http://127.0.0.1:9/api", false)
	st := contract.Pass
	if fail {
		st = contract.Fail
	}
	r.Contract = (&contract.Result{ContractRun: record.ContractRun{Target: r.Target.URL, Profile: "default", Only: []string{"C4"}, Started: r.Started, Ended: r.Started.Add(time.Second)},
		Findings: []contract.Finding{{Rule: "C4", Check: "c4-earn", Area: api.AreaRecalc, Kind: api.KindDoc, Status: st, Message: "recalc of 1234 at 10%: earn 246; want 123.4",
			Evidence: &contract.Evidence{Endpoint: "recalc", URL: r.Target.URL + api.EpRecalc.Path(), Request: []byte(`{"amount":1234}`), Status: 200, Body: []byte(`{"success":true}`)}}}}).Record()
	r.Ended = r.Started.Add(time.Second)
	reports.Judge(r)
	dir := filepath.Join(t.TempDir(), "run")
	require.NoError(t, record.Write(dir, r))
	// Every record written is valid against the published schema.
	sch, err := schemas.Compile("run.schema.json")
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, "run.json"))
	require.NoError(t, err)
	require.Empty(t, sch.Validate(b))
	return dir
}

// reportRun runs `loyalcheck report` in-process as if on a terminal when
// tty is set.
func reportRun(t *testing.T, tty bool, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }, stdoutIsTTY: tty, stderrIsTTY: tty}
	code := run(context.Background(), e, append([]string{"report"}, args...))
	return code, out.String(), errb.String()
}

func TestReportFormats(t *testing.T) {
	dir := runDir(t, true)
	code, out, errs := reportRun(t, false, nil, dir)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "loyalcheck contract: FAIL")
	assert.Contains(t, out, "FAIL C4")
	assert.NotContains(t, out, "\033[", "no colour off a terminal")
	assert.Empty(t, errs)

	for format, want := range map[string]string{
		"md":       "## ❌ loyalcheck contract: FAIL",
		"markdown": "| ❌ | **C4** doc |",
		"html":     "<!DOCTYPE html>",
		"junit":    `<testsuite name="contract"`,
		"json":     fmt.Sprintf(`"version": %d`, record.Version),
		"text":     "CONTRACT (profile default)",
	} {
		code, out, errs := reportRun(t, false, nil, dir, "--format", format)
		require.Equal(t, exitOK, code, "%s: %s", format, errs)
		assert.Contains(t, out, want, format)
	}
	_, js, _ := reportRun(t, false, nil, dir, "-f", "json")
	file, err := os.ReadFile(filepath.Join(dir, "run.json"))
	require.NoError(t, err)
	assert.Equal(t, string(file), js, "json is the record as written")

	// DIR may name the file itself.
	code, out, _ = reportRun(t, false, nil, filepath.Join(dir, "run.json"), "-f", "md")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "loyalcheck contract: FAIL")
}

func TestReportColor(t *testing.T) {
	dir := runDir(t, true)
	_, out, _ := reportRun(t, true, nil, dir)
	assert.Contains(t, out, "\033[", "colour on a terminal")
	_, out, _ = reportRun(t, true, map[string]string{"NO_COLOR": "1"}, dir)
	assert.NotContains(t, out, "\033[", "NO_COLOR turns colour off")
	_, out, _ = reportRun(t, true, nil, dir, "--color", "never")
	assert.NotContains(t, out, "\033[")
	_, out, _ = reportRun(t, false, nil, dir, "--color", "always")
	assert.Contains(t, out, "\033[")
	_, out, _ = reportRun(t, true, nil, dir, "-f", "md")
	assert.NotContains(t, out, "\033[", "only the text report has colour")

	file := filepath.Join(t.TempDir(), "r.txt")
	code, out, _ := reportRun(t, true, nil, dir, "--out", file)
	require.Equal(t, exitOK, code)
	assert.Empty(t, out)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Contains(t, string(b), "loyalcheck contract: FAIL")
	assert.NotContains(t, string(b), "\033[", "files are never coloured")
}

func TestReportAll(t *testing.T) {
	dir := runDir(t, false)
	before, err := os.ReadFile(filepath.Join(dir, "run.json"))
	require.NoError(t, err)
	code, out, errs := reportRun(t, false, nil, dir, "--format", "all")
	require.Equal(t, exitOK, code, errs)
	for _, name := range []string{"report.txt", "report.md", "report.html", "junit.xml"} {
		p := filepath.Join(dir, name)
		assert.Contains(t, out, "wrote "+p)
		fi, err := os.Stat(p)
		require.NoError(t, err, name)
		assert.Positive(t, fi.Size())
	}
	after, err := os.ReadFile(filepath.Join(dir, "run.json"))
	require.NoError(t, err)
	assert.Equal(t, before, after, "run.json is left as it is")

	other := filepath.Join(t.TempDir(), "elsewhere")
	code, _, errs = reportRun(t, false, nil, filepath.Join(dir, "run.json"), "-f", "all", "-o", other)
	require.Equal(t, exitOK, code, errs)
	assert.FileExists(t, filepath.Join(other, "report.html"))
}

func TestReportExitCode(t *testing.T) {
	failing, passing := runDir(t, true), runDir(t, false)
	code, _, _ := reportRun(t, false, nil, failing)
	assert.Equal(t, exitOK, code, "rendering a failed run succeeds")
	code, _, _ = reportRun(t, false, nil, failing, "--exit-code", "-f", "junit")
	assert.Equal(t, exitFail, code, "--exit-code reports the recorded verdict")
	code, _, _ = reportRun(t, false, nil, passing, "--exit-code")
	assert.Equal(t, exitOK, code)
}

func TestReportUsageErrors(t *testing.T) {
	dir := runDir(t, false)
	bad := t.TempDir()
	write := func(name, doc string) string {
		d := filepath.Join(bad, name)
		require.NoError(t, os.MkdirAll(d, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(d, "run.json"), []byte(doc), 0o644))
		return d
	}
	good, err := os.ReadFile(filepath.Join(dir, "run.json"))
	this, next := fmt.Sprintf(`"version": %d`, record.Version), fmt.Sprintf(`"version": %d`, record.Version+1)
	require.NoError(t, err)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no dir", nil, "which run?"},
		{"two dirs", []string{dir, dir}, `unexpected argument`},
		{"bad format", []string{dir, "-f", "pdf"}, `unknown format "pdf"`},
		{"bad color", []string{dir, "--color", "sometimes"}, "--color: want auto, always or never"},
		{"bad flag", []string{dir, "--nope"}, "unknown flag: --nope"},
		{"no run.json", []string{t.TempDir()}, "not found"},
		{"not JSON", []string{write("garbage", "{")}, "not a run record"},
		{"newer version", []string{write("next", strings.Replace(string(good), this, next, 1))}, fmt.Sprintf("record is version %d, this loyalcheck reads versions 1 to %d", record.Version+1, record.Version)},
		{"unknown field", []string{write("extra", strings.Replace(string(good), this+",", this+`, "x": 1,`, 1))}, `unknown field "x"`},
		{"bad --out", []string{dir, "-o", filepath.Join(bad, "missing", "dir", "r.txt")}, "--out: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := reportRun(t, false, nil, c.args...)
			assert.Equal(t, exitUsage, code, out)
			assert.Contains(t, errs, c.want)
			assert.True(t, strings.HasPrefix(errs, "loyalcheck report: "), errs)
		})
	}
}

func TestReportHelp(t *testing.T) {
	code, out, _ := reportRun(t, false, nil, "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Usage: loyalcheck report DIR")
	assert.Contains(t, out, "--exit-code")
	assert.Contains(t, out, "without touching the target")
	code, out, _ = cliRun(t, nil, "help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "  report ")
}
