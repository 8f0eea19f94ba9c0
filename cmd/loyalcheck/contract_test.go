package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/reports"
	"loyalcheck/reports/record"
	"loyalcheck/sandbox"
	"loyalcheck/schemas"
)

// cliRun runs the CLI in-process with the given environment.
func cliRun(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code = run(ctx, e, args)
	return code, out.String(), errb.String()
}

func TestContractEmbeddedSandboxPasses(t *testing.T) {
	t0 := time.Now()
	code, out, errs := cliRun(t, nil, "contract")
	t.Logf("loyalcheck contract against the embedded sandbox: %s", time.Since(t0))
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Regexp(t, `^target: embedded sandbox at http://127\.0\.0\.1:\d+ \(no --target given\)\n$`, errs)
	assert.Contains(t, out, "CONTRACT (profile default): 46 checks: 45 pass, 1 not in scope; 45 rules: 45 verified")
	assert.Contains(t, out, "\nverdict: PASS\n")
	assert.Contains(t, out, "retail     8 checks: 8 pass")
	assert.NotContains(t, out, "PASS RT1", "passes are listed with -v only")
}

// noDiscountTarget starts a sandbox and writes fixtures for it that list
// no discount client, so S3 (doc), C5 and RT7 (interp) cannot be
// exercised. It returns the sandbox's URL and the fixtures file.
func noDiscountTarget(t *testing.T, key string) (url, fixtures string) {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), sandbox.WithAPIKey(key), sandbox.WithClients(12))
	require.NoError(t, err)
	t.Cleanup(func() { sb.Close() })
	fx := sb.Fixtures()
	var kept []api.FixtureClient
	for _, c := range fx.Clients {
		if c.Type != api.TypeDiscount {
			kept = append(kept, c)
		}
	}
	fx.Clients = kept
	b, err := json.Marshal(fx)
	require.NoError(t, err)
	fixtures = filepath.Join(t.TempDir(), "fx.json")
	require.NoError(t, os.WriteFile(fixtures, b, 0o644))
	return sb.URL(), fixtures
}

// A doc rule the fixtures cannot exercise makes the run INCOMPLETE (exit
// 1) until it is accepted by name; an unknown rule id is a usage error.
func TestContractIncompleteUntilAccepted(t *testing.T) {
	url, path := noDiscountTarget(t, "incomplete-run-key-5e1")
	key := map[string]string{api.APIKeyEnv: "incomplete-run-key-5e1"}

	code, out, errs := cliRun(t, key, "contract", "--target", url, "--fixtures", path)
	assert.Equal(t, exitFail, code, "%s\n%s", out, errs)
	assert.Contains(t, out, "loyalcheck contract: INCOMPLETE\n")
	assert.Contains(t, out, "x contract: S3 (doc) unverified: s3-discount-balance: fixtures have no discount client")
	assert.Contains(t, out, "UNVERIFIED S3 (doc)")
	assert.Contains(t, out, "\nverdict: INCOMPLETE\n")

	code, out, errs = cliRun(t, key, "contract", "--target", url, "--fixtures", path, "--accept-unverified", "S3,C5,RT7")
	assert.Equal(t, exitOK, code, "%s\n%s", out, errs)
	assert.Contains(t, out, "verdict: PASS")
	assert.Contains(t, out, "accepted unverified by --accept-unverified: S3, C5, RT7")

	code, _, errs = cliRun(t, key, "contract", "--target", url, "--fixtures", path, "--accept-unverified", "S3,Q1")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, `unknown rule id "Q1"`)
	code, _, errs = cliRun(t, nil, "accept", "--accept-unverified", "nope", "--out", t.TempDir())
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, `unknown rule id "nope"`)
}

func TestContractFaultFails(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "out.json")
	code, out, _ := cliRun(t, nil, "contract", "--sandbox-fault", "spend-message", "--only", "RT1", "--json", js)
	require.Equal(t, exitFail, code, out)
	assert.Contains(t, out, "FAIL RT1")
	assert.Contains(t, out, `response: {"spend":"Not enough bonuses."}`)
	// --json writes the run record, as run.json holds it.
	rec, err := record.Read(js)
	require.NoError(t, err)
	assert.Equal(t, record.KindContract, rec.Kind)
	require.NotNil(t, rec.Contract)
	fs := rec.Contract.Findings()
	require.NotEmpty(t, fs)
	assert.Equal(t, "RT1", fs[0].Rule)
	assert.Equal(t, record.Fail, fs[0].Status)
	assert.NotNil(t, fs[0].Evidence)
	assert.Equal(t, 1, rec.Contract.Summary.Fail)
}

func TestContractStrictProfile(t *testing.T) {
	code, out, _ := cliRun(t, nil, "contract", "--sandbox-fault", "auth-401", "--only", "G3")
	assert.Equal(t, exitOK, code, out) // a tolerated difference warns
	assert.Contains(t, out, "WARN G3")
	code, out, _ = cliRun(t, nil, "contract", "--sandbox-fault", "auth-401", "--only", "G3", "--profile", "strict")
	assert.Equal(t, exitFail, code, out)
	assert.Contains(t, out, "FAIL G3")
}

func TestContractUsageErrors(t *testing.T) {
	fx := filepath.Join(t.TempDir(), "fx.json")
	require.NoError(t, os.WriteFile(fx, []byte(`{"points":["p"],"clients":[{"phone":"1"}]}`), 0o644))
	key := map[string]string{api.APIKeyEnv: "k"}
	for _, c := range []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"bad flag", nil, []string{"--nope"}, "unknown flag"},
		{"bad profile", nil, []string{"--profile", "lenient"}, "--profile"},
		{"bad only", nil, []string{"--only", "RT99"}, "RT99"},
		{"stray argument", nil, []string{"extra"}, "unexpected argument"},
		{"target without fixtures", key, []string{"--target", "http://127.0.0.1:1"}, "--fixtures"},
		{"target without key", nil, []string{"--target", "http://127.0.0.1:1", "--fixtures", fx}, api.APIKeyEnv},
		{"unreadable fixtures", key, []string{"--target", "http://127.0.0.1:1", "--fixtures", fx + ".missing"}, "fixtures"},
		{"bad target URL", key, []string{"--target", "ftp://x", "--fixtures", fx}, "target"},
		{"fixtures without target", nil, []string{"--fixtures", fx}, "--fixtures"},
		{"bad clock tolerance", nil, []string{"--clock-tolerance", "0s"}, "--clock-tolerance"},
		{"unwritable json", nil, []string{"--json", filepath.Join(t.TempDir(), "no", "such", "dir", "x.json")}, "--json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := cliRun(t, c.vars, append([]string{"contract"}, c.args...)...)
			assert.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			assert.Contains(t, errs, c.want)
			assert.Equal(t, 1, strings.Count(errs, "\n"), "one-line error: %q", errs)
		})
	}
}

func TestContractUnreachable(t *testing.T) {
	url, fx := deadTarget(t)
	dir := t.TempDir()
	const secret = "Zq-unreachable-SECRET-91"
	code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: secret}, "contract", "--target", url, "--fixtures", fx,
		"--timeout", "2s", "--json", filepath.Join(dir, "r.json"))
	assert.Equal(t, exitUnreachable, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, errs, "unreachable")
	b, _ := os.ReadFile(filepath.Join(dir, "r.json"))
	for _, s := range []string{out, errs, string(b)} {
		assert.NotContains(t, s, secret)
	}
}

func TestContractNeverPrintsTheKey(t *testing.T) {
	const secret = "Zq-distinctive-SECRET-key-7731"
	dir := t.TempDir()
	js := filepath.Join(dir, "r.json")
	// Faults that fail checks with evidence, G3 probes with a wrong key,
	// the G1 GET probe that sends the key outside api.Client.
	code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: secret}, "contract", "-v",
		"--sandbox-fault", "get-allowed", "--sandbox-fault", "ignore-apikey", "--json", js)
	require.Equal(t, exitFail, code, out)
	b, err := os.ReadFile(js)
	require.NoError(t, err)
	for name, s := range map[string]string{"stdout": out, "stderr": errs, "json": string(b)} {
		assert.NotContains(t, s, secret, name)
	}
	assert.Contains(t, out, "FAIL G1")
}

func TestContractHelpAndList(t *testing.T) {
	code, out, _ := cliRun(t, nil, "contract", "--help")
	assert.Equal(t, exitOK, code)
	for _, s := range []string{"Exit codes", "--target", "--fixtures", "--profile", "--only", "--slow", "--json",
		"--timeout", "--clock-tolerance", api.APIKeyEnv} {
		assert.Contains(t, out, s)
	}
	code, out, _ = cliRun(t, nil, "contract", "--list")
	assert.Equal(t, exitOK, code)
	for _, r := range api.Rules() {
		assert.Contains(t, out, " "+r.ID+" ")
	}
}

func TestSchemasCommand(t *testing.T) {
	code, out, _ := cliRun(t, nil, "schemas")
	require.Equal(t, exitOK, code)
	files := schemas.Files()
	for _, f := range files {
		assert.Contains(t, out, f.Name)
	}
	dir := filepath.Join(t.TempDir(), "schemas")
	code, out, _ = cliRun(t, nil, "schemas", "--out", dir)
	require.Equal(t, exitOK, code, out)
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, ents, len(files))
	blocker := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	code, _, errs := cliRun(t, nil, "schemas", "--out", filepath.Join(blocker, "sub"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "loyalcheck schemas:")
	code, _, _ = cliRun(t, nil, "schemas", "extra")
	assert.Equal(t, exitUsage, code)
}

// A contract run goes through the run record like any other: --out
// writes run.json (kind contract) and every format, `report DIR`
// renders each again from it, and --exit-code returns its verdict.
// --json FILE writes the same record.
func TestContractThroughTheRecord(t *testing.T) {
	for _, c := range []struct {
		fault string
		code  int
		want  map[string]string
	}{
		{"spend-message", exitFail, map[string]string{
			"text":  "FAIL RT1  rt1-spend-over",
			"md":    "loyalcheck contract: FAIL",
			"html":  "rt1-spend-over",
			"junit": `<failure message="a retail of 6 spending 7`,
		}},
		{"", exitOK, map[string]string{
			"text":  "CONTRACT (profile default): 1 check: 1 pass",
			"md":    "loyalcheck contract: PASS",
			"html":  "rt1-spend-over",
			"junit": `failures="0"`,
		}},
	} {
		t.Run("fault="+c.fault, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			js := filepath.Join(t.TempDir(), "compat.json")
			args := []string{"contract", "--only", "RT1", "--out", dir, "--json", js}
			if c.fault != "" {
				args = append(args, "--sandbox-fault", c.fault)
			}
			code, out, errs := cliRun(t, nil, args...)
			require.Equal(t, c.code, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			for _, f := range reports.FormatSpecs() {
				assert.FileExists(t, filepath.Join(dir, f.File))
				assert.Contains(t, out, filepath.Join(dir, f.File), "listed as written")
			}
			b, err := os.ReadFile(filepath.Join(dir, record.File))
			require.NoError(t, err)
			rec, err := record.Decode(b)
			require.NoError(t, err)
			assert.Equal(t, record.KindContract, rec.Kind)
			require.NotNil(t, rec.Contract)
			compat, err := os.ReadFile(js)
			require.NoError(t, err)
			assert.Equal(t, string(b), string(compat), "--json writes the record run.json holds")

			for format, want := range c.want {
				code, got, errs := reportRun(t, false, nil, dir, "--format", format)
				require.Equal(t, exitOK, code, "%s: %s", format, errs)
				assert.Contains(t, got, want, format)
				saved, err := os.ReadFile(filepath.Join(dir, mustFormat(t, format).FileName()))
				require.NoError(t, err)
				assert.Equal(t, string(saved), got, "%s renders again as the run wrote it", format)
			}
			code, _, errs = reportRun(t, false, nil, dir, "--exit-code")
			assert.Equal(t, c.code, code, errs)
			code, _, errs = reportRun(t, false, nil, js, "--exit-code")
			assert.Equal(t, c.code, code, "the --json file is a record too: %s", errs)
		})
	}
}

func mustFormat(t *testing.T, name string) reports.Format {
	t.Helper()
	f, err := reports.ParseFormat(name)
	require.NoError(t, err)
	return f
}
