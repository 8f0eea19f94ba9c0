package reports

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xeipuuv/gojsonschema"

	"loyalcheck/api"
	"loyalcheck/contract"
	"loyalcheck/load"
	"loyalcheck/reports/record"
)

// The published schema of run.json, read from the schemas package's
// directory: every record the tests write or build is validated with it.
var (
	runSchemaOnce sync.Once
	runSchema     *gojsonschema.Schema
	runSchemaErr  error
)

func validateRecord(t *testing.T, doc []byte) {
	t.Helper()
	errs := schemaErrors(t, doc)
	assert.Empty(t, errs, "the record breaks schemas/run.schema.json")
}

func schemaErrors(t *testing.T, doc []byte) []string {
	t.Helper()
	runSchemaOnce.Do(func() {
		b, err := os.ReadFile(filepath.Join("..", "schemas", "run.schema.json"))
		if err != nil {
			runSchemaErr = err
			return
		}
		runSchema, runSchemaErr = gojsonschema.NewSchema(gojsonschema.NewBytesLoader(b))
	})
	require.NoError(t, runSchemaErr)
	res, err := runSchema.Validate(gojsonschema.NewBytesLoader(doc))
	require.NoError(t, err)
	var out []string
	for _, e := range res.Errors() {
		out = append(out, e.String())
	}
	return out
}

// writeValidated writes a record as a run would and validates the file.
func writeValidated(t *testing.T, dir string, r *record.Record) {
	t.Helper()
	require.NoError(t, record.Write(dir, r))
	b, err := os.ReadFile(filepath.Join(dir, record.File))
	require.NoError(t, err)
	validateRecord(t, b)
}

// Real runs of every kind produce records valid against the schema.
func TestRecordsMatchSchema(t *testing.T) {
	cases := map[string]*record.Record{
		"golden":          goldenRecord(),
		"accept, faulty":  faultyRun(t),
		"contract only":   contractOnly(t),
		"load only":       loadOnly(t),
		"nothing":         judged(record.New(record.KindContract, "dev")),
		"capacity":        goldenCapacityRecord(),
		"capacity, real":  capacityRun(t),
		"bare scenario":   judged(&record.Record{Version: record.Version, Kind: record.KindLoad, Scenario: &record.ScenarioInfo{Name: "x", Flows: []record.FlowInfo{{Name: "f"}}}}),
		"nil contract fs": judged(&record.Record{Version: record.Version, Kind: record.KindContract, Contract: (&contract.Result{ContractRun: record.ContractRun{Profile: "strict"}}).Record()}),
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			writeValidated(t, t.TempDir(), r)
		})
	}
}

func judged(r *record.Record) *record.Record { Judge(r); return r }

var (
	contractOnce, loadOnce sync.Once
	contractRec, loadRec   *record.Record
)

// contractOnly is a real contract run against a healthy sandbox.
func contractOnly(t *testing.T) *record.Record {
	contractOnce.Do(func() { contractRec = realRecord(t, run{kind: record.KindContract, contract: true}) })
	require.NotNil(t, contractRec)
	return contractRec
}

// loadOnly is a real short checkout load run against a healthy sandbox.
func loadOnly(t *testing.T) *record.Record {
	loadOnce.Do(func() {
		loadRec = realRecord(t, run{kind: record.KindLoad, scenario: "checkout", duration: 2 * time.Second, slo: []string{"p99(hold)<10s"}})
	})
	require.NotNil(t, loadRec)
	return loadRec
}

// The schema is strict: an unknown field anywhere, a missing one or
// another version is refused, so a change of shape cannot slip through
// without a new version.
func TestSchemaIsStrict(t *testing.T) {
	b, err := goldenRecord().Encode()
	require.NoError(t, err)
	mutate := func(f func(m map[string]any)) []byte {
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		f(m)
		out, err := json.Marshal(m)
		require.NoError(t, err)
		return out
	}
	obj := func(m map[string]any, keys ...string) map[string]any {
		for _, k := range keys {
			m = m[k].(map[string]any)
		}
		return m
	}
	// finding is the first case of the first check of the first area.
	finding := func(m map[string]any) map[string]any {
		a := obj(m, "contract")["areas"].([]any)[0].(map[string]any)
		return a["checks"].([]any)[0].(map[string]any)["cases"].([]any)[0].(map[string]any)
	}
	bad := map[string][]byte{
		"unknown top-level field": mutate(func(m map[string]any) { m["apikey"] = "x" }),
		"unknown load field":      mutate(func(m map[string]any) { obj(m, "load")["extra"] = 1 }),
		"unknown step field":      mutate(func(m map[string]any) { obj(m, "load")["steps"].([]any)[0].(map[string]any)["p42"] = 1 }),
		"unknown finding field":   mutate(func(m map[string]any) { finding(m)["x"] = 1 }),
		"a key value in key_sent": mutate(func(m map[string]any) {
			finding(m)["evidence"].(map[string]any)["key_sent"] = "sandbox-local-key"
		}),
		"unknown check field": mutate(func(m map[string]any) {
			obj(m, "contract")["areas"].([]any)[0].(map[string]any)["checks"].([]any)[0].(map[string]any)["x"] = 1
		}),
		"missing coverage notes": mutate(func(m map[string]any) { delete(obj(m, "contract"), "coverage_notes") }),
		"missing ledger verdict": mutate(func(m map[string]any) { delete(obj(m, "load", "ledger"), "failed") }),
		"missing total":          mutate(func(m map[string]any) { delete(obj(m, "load"), "total") }),
		"missing verdict":        mutate(func(m map[string]any) { delete(m, "verdict") }),
		"missing latency":        mutate(func(m map[string]any) { delete(obj(m, "load", "session"), "latency") }),
		"another version":        mutate(func(m map[string]any) { m["version"] = record.Version + 1 }),
		"unknown kind":           mutate(func(m map[string]any) { m["kind"] = "smoke" }),
		"bad status":             mutate(func(m map[string]any) { finding(m)["status"] = "ok" }),
		"time without zone":      mutate(func(m map[string]any) { m["started"] = "2026-03-14T09:30:00" }),
	}
	for name, doc := range bad {
		assert.NotEmpty(t, schemaErrors(t, doc), name)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run", "nested")
	r := faultyRun(t)
	writeValidated(t, dir, r)
	fi, err := os.Stat(filepath.Join(dir, record.File))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())

	for _, p := range []string{dir, filepath.Join(dir, record.File)} {
		got, err := record.Read(p)
		require.NoError(t, err)
		want, _ := r.Encode()
		again, _ := got.Encode()
		assert.JSONEq(t, string(want), string(again))
		assert.Equal(t, r.Verdict, got.Verdict)
		require.NotNil(t, got.Load)
		assert.Equal(t, r.Load.Steps[0].Latency.P99.Round(time.Microsecond), got.Load.Steps[0].Latency.P99)
	}
}

func TestReadRecordRejects(t *testing.T) {
	good, err := goldenRecord().Encode()
	require.NoError(t, err)
	this, next := fmt.Sprintf(`"version": %d`, record.Version), fmt.Sprintf(`"version": %d`, record.Version+1)
	cases := map[string]struct {
		doc  string
		want string
	}{
		"newer version": {strings.Replace(string(good), this, next, 1), fmt.Sprintf("record is version %d, this loyalcheck reads versions 1 to %d: use a newer loyalcheck", record.Version+1, record.Version)},
		"older version": {`{"version": 0, "kind": "load"}`, "record is version 0"},
		"no version":    {`{"kind": "load"}`, "no \"version\""},
		"not JSON":      {`<html>`, "not a run record"},
		"unknown field": {strings.Replace(string(good), `"kind": "accept",`, `"kind": "accept", "surprise": true,`, 1), "unknown field \"surprise\""},
		"no kind":       {"{" + this + "}", "no \"kind\""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, record.File), []byte(c.doc), 0o644))
			_, err := record.Read(dir)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Contains(t, err.Error(), record.File, "the error names the file")
		})
	}
	_, err = record.Read(t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not found")
	assert.ErrorIs(t, func() error { _, err := record.Decode([]byte(`{"version": 9}`)); return err }(), record.ErrVersion)
}

func TestJudge(t *testing.T) {
	finding := func(rule string, st contract.Status) contract.Finding {
		return contract.Finding{Rule: rule, Check: strings.ToLower(rule) + "-x", Status: st, Kind: api.KindDoc}
	}
	thr := func(expr string, pass bool) load.ThresholdResult {
		return load.ThresholdResult{Threshold: load.Threshold{Expr: expr}, MeasuredText: "412ms", Pass: pass}
	}
	cases := []struct {
		name       string
		rec        record.Record
		pass       bool
		incomplete bool
		reasons    []string
		notes      []string
	}{
		{name: "nothing measured", rec: record.Record{}, reasons: []string{"nothing was measured: the record holds no contract, load or capacity result"}},
		{name: "clean contract", rec: record.Record{Contract: (&contract.Result{ContractRun: record.ContractRun{Only: []string{"C4"}}, Findings: []contract.Finding{finding("C4", contract.Pass)}}).Record()}, pass: true,
			notes: []string{"contract: 44 rules not in scope: not selected by --only"}},
		{name: "contract failures, warnings, skips", rec: record.Record{Contract: (&contract.Result{ContractRun: record.ContractRun{Only: []string{"RT1", "C4", "S6", "H6", "H7"}}, Findings: []contract.Finding{
			finding("RT1", contract.Fail), finding("C4", contract.Fail), finding("C4", contract.Fail), finding("S6", contract.Warn), finding("H6", contract.Skip), finding("Z9", contract.Fail),
			{Rule: "H7", Check: "h7-x", Status: contract.Skip, Kind: api.KindDoc, Message: "needs --slow", NotInScope: true}}}).Record()},
			reasons: []string{"contract: 3 rules failed (C4, RT1, Z9)", "contract: H6 (doc) unverified: h6-x:"},
			notes: []string{"contract: 1 warning on interpretive rules (see the findings)", "contract: 40 rules not in scope: not selected by --only",
				"contract: H7 not in scope: h7-x: needs --slow"}},
		{name: "a doc rule unverified makes it incomplete", rec: record.Record{Contract: (&contract.Result{ContractRun: record.ContractRun{Only: []string{"S3", "C5", "S1"}}, Findings: []contract.Finding{
			finding("S1", contract.Pass),
			{Rule: "S3", Check: "s3-x", Status: contract.Skip, Kind: api.KindDoc, Message: "fixtures have no discount client"},
			{Rule: "C5", Check: "c5-x", Status: contract.Skip, Kind: api.KindInterp, Message: "fixtures have no discount client"}}}).Record()},
			incomplete: true,
			reasons:    []string{"contract: S3 (doc) unverified: s3-x: fixtures have no discount client"},
			notes:      []string{"contract: C5 unverified (interpretive): c5-x: fixtures have no discount client", "contract: 42 rules not in scope: not selected by --only"}},
		{name: "doc rules unverified for one reason share a line", rec: record.Record{Contract: (&contract.Result{ContractRun: record.ContractRun{Only: []string{"S1", "S2", "S3"}}, Findings: []contract.Finding{
			finding("S1", contract.Pass)}}).Record()},
			incomplete: true,
			reasons:    []string{"contract: S2, S3 (doc rules) unverified: no check reached a verdict on it (the run ended early)"},
			notes:      []string{"contract: 42 rules not in scope: not selected by --only"}},
		{name: "accepted by name, it passes", rec: record.Record{Contract: (&contract.Result{ContractRun: record.ContractRun{Only: []string{"S3", "S1"}, AcceptUnverified: []string{"S3"}}, Findings: []contract.Finding{
			finding("S1", contract.Pass),
			{Rule: "S3", Check: "s3-x", Status: contract.Skip, Kind: api.KindDoc, Message: "fixtures have no discount client"}}}).Record()},
			pass:  true,
			notes: []string{"contract: S3 unverified, accepted by --accept-unverified: s3-x: fixtures have no discount client", "contract: 43 rules not in scope: not selected by --only"}},
		{name: "ledger fails whatever the thresholds", rec: record.Record{
			Load: (&load.Summary{Ledger: load.LedgerReport{Findings: []load.LedgerFinding{
				{Rule: "L1", Status: "fail", Client: "a"}, {Rule: "L1", Status: "fail", Client: "b"}, {Rule: "L1", Status: "fail", Client: "b"}, {Rule: "L3", Status: "warn", Client: "c"}}}}).Record(),
			Thresholds: []load.ThresholdResult{thr("p99(retail)<300ms", true)}},
			reasons: []string{"ledger: L1 on 2 clients"},
			notes:   []string{"ledger: L3 on 1 client could be explained by requests that got no answer"}},
		{name: "violations, interrupt and thresholds", rec: record.Record{
			Load: (&load.Summary{Interrupted: true, Elapsed: 12 * time.Second, Duration: 30 * time.Second,
				Violations: []load.ViolationCount{{Step: "search", Rule: "S7", Count: 1}}, Ledger: load.LedgerReport{Skipped: "interrupted before the audit"},
				Sessions: load.Sessions{Dropped: 3, MaxInFlight: 10}}).Record(),
			Thresholds: []load.ThresholdResult{thr("p99(retail)<300ms", false), {Threshold: load.Threshold{Expr: "p99(hold)<1s"}, Note: "step hold never ran"}}},
			reasons: []string{"load: S7 broken once in search responses", "load: interrupted after 12s of 30s: an incomplete run cannot pass",
				"threshold p99(retail)<300ms: 412ms", "threshold p99(hold)<1s: not measured (step hold never ran)"},
			notes: []string{"ledger: not audited: interrupted before the audit", "load: 3 session starts dropped at the in-flight cap of 10"}},
		{name: "a contract run that checked nothing", rec: record.Record{Contract: (&contract.Result{}).Record()}, reasons: []string{"contract: no check ran, so nothing was verified"}},
		{name: "capacity alone is something", rec: record.Record{Capacity: goldenCapacityRecord().Capacity}, pass: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			Judge(&c.rec)
			assert.Equal(t, c.pass, c.rec.Verdict.Pass)
			assert.Equal(t, c.incomplete, c.rec.Verdict.Incomplete)
			if c.incomplete {
				assert.Equal(t, "INCOMPLETE", c.rec.Verdict.Word())
			}
			assert.Equal(t, nonNil(c.reasons), c.rec.Verdict.Reasons)
			assert.Equal(t, nonNil(c.notes), c.rec.Verdict.Notes)
		})
	}
}

// The faulty run fails for each planted fault, with the evidence to show.
func TestFaultyRunVerdict(t *testing.T) {
	r := faultyRun(t)
	require.False(t, r.Verdict.Pass)
	all := strings.Join(r.Verdict.Reasons, "\n")
	assert.Contains(t, all, "contract: ")
	assert.Contains(t, all, "C4")
	assert.Contains(t, all, "ledger: L1 on ")
	assert.Contains(t, all, "load: S7 broken")
	assert.Contains(t, all, "threshold p99(retail)<1us: ")
	assert.NotContains(t, all, "p99(search)<5s", "a met threshold is no reason")
}

func TestSafeURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.example.test/v1":                    "https://api.example.test/v1",
		"https://user:hunter2@api.example.test/v1?k=1#x": "https://api.example.test/v1",
		"http://127.0.0.1:8080/?apikey=secret":           "http://127.0.0.1:8080/",
		"not a url":                                      "(unparsable URL)",
	} {
		assert.Equal(t, want, record.SafeURL(in), in)
	}
	assert.Equal(t, record.Target{URL: "http://h", Embedded: true}, record.TargetOf("http://k:s@h", true))
}

func TestScrub(t *testing.T) {
	const key = "s3cr<t>-key/+="
	r := goldenRecord()
	r.Contract.Areas[0].Checks[0].Cases[0].Message = `sent "s3cr<t>-key/+=" as the key`
	r.Load.Ledger.Findings[0].Ops = append(r.Load.Ledger.Findings[0].Ops, `note s3cr\u003ct>-key/+=`)
	found, err := r.Scrub(api.NewRedactor(key))
	require.NoError(t, err)
	assert.True(t, found)
	b, _ := r.Encode()
	assert.NotContains(t, string(b), "s3cr")
	assert.Equal(t, 2, strings.Count(string(b), "[redacted]"))
	found, err = r.Scrub(api.NewRedactor("absent-key-long"))
	require.NoError(t, err)
	assert.False(t, found)
}

// A one-letter key must not touch the record: it is in "cashback",
// "asked_rate" and "peak_in_flight".
func TestScrubShortKeyLeavesTheRecordIntact(t *testing.T) {
	r := goldenRecord()
	want, err := r.Encode()
	require.NoError(t, err)
	for _, key := range []string{"k", "a", "1", "e"} {
		found, err := r.Scrub(api.NewRedactor(key))
		require.NoError(t, err)
		assert.False(t, found, key)
		got, err := r.Encode()
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), key)
	}
}

func TestScenarioInfo(t *testing.T) {
	r := faultyRun(t)
	require.NotNil(t, r.Scenario)
	assert.Equal(t, "hold-contention", r.Scenario.Name)
	assert.Contains(t, r.Scenario.Clients, "hot: 3 clients take 90% of sessions")
	var steps []string
	for _, f := range r.Scenario.Flows {
		steps = append(steps, strings.Join(f.Steps, " "))
	}
	all := strings.Join(steps, "\n")
	assert.Contains(t, all, "hold(max, 2 min")
	assert.Contains(t, all, "retail(spend max, with hold")
	assert.Contains(t, all, "hold(0.8 of max) release(think 10ms-50ms)")
	assert.Contains(t, all, "retail(spend over)")
	assert.Nil(t, record.ScenarioInfoOf(nil))
}

func TestFormats(t *testing.T) {
	for _, f := range Formats() {
		got, err := ParseFormat(string(f))
		require.NoError(t, err)
		assert.Equal(t, f, got)
		assert.NotEmpty(t, f.FileName())
	}
	got, err := ParseFormat("Markdown")
	require.NoError(t, err)
	assert.Equal(t, FormatMarkdown, got)
	_, err = ParseFormat("pdf")
	assert.ErrorContains(t, err, "unknown format")
	assert.Error(t, Render(new(strings.Builder), goldenRecord(), "pdf"))
	assert.Error(t, Render(new(strings.Builder), nil, FormatText))
}

func TestWriteAll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	paths, err := WriteAll(dir, goldenRecord())
	require.NoError(t, err)
	require.Len(t, paths, len(Formats()))
	for f, p := range paths {
		assert.Equal(t, filepath.Join(dir, f.FileName()), p)
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.NotEmpty(t, b, f)
		if f == FormatText {
			assert.NotContains(t, string(b), "\033[", "files carry no colour")
		}
	}
	b, _ := os.ReadFile(paths[FormatJSON])
	validateRecord(t, b)
}

// No report of a real run holds the apikey: it never enters the record,
// so no renderer can print it. The runs used it on every call.
func TestNoAPIKeyInAnyReport(t *testing.T) {
	for name, r := range map[string]*record.Record{"accept": faultyRun(t), "contract": contractOnly(t), "load": loadOnly(t), "capacity": capacityRun(t)} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			paths, err := WriteAll(dir, r)
			require.NoError(t, err)
			for f, p := range paths {
				b, err := os.ReadFile(p)
				require.NoError(t, err)
				assert.NotContains(t, string(b), testAPIKey, "%s holds the apikey", f)
				assert.NotContains(t, string(b), testAPIKey[4:20], "%s holds part of the apikey", f)
			}
			colored := render(t, r, FormatText, WithColor(true))
			assert.NotContains(t, colored, testAPIKey)
			if r.Contract != nil {
				// Not vacuous: the reports do carry the exchanges, and
				// the suite did send wrong and missing keys.
				html, _ := os.ReadFile(paths[FormatHTML])
				assert.True(t, strings.Contains(string(html), api.EpRecalc.Path()), "the HTML report shows the exchanges")
				sent := map[string]bool{}
				for _, f := range r.Contract.Findings() {
					for _, e := range f.Trail {
						sent[e.KeySent] = true
					}
					if f.Evidence != nil {
						sent[f.Evidence.KeySent] = true
					}
				}
				assert.True(t, sent["none"] || sent["other"], "the contract run should record a call without the configured key")
			}
		})
	}
}

// sparseRecords are records with as little in them as a run can leave:
// an interrupted load that measured nothing, a contract run with no
// finding, a capacity result alone, nothing at all.
func sparseRecords() map[string]*record.Record {
	return map[string]*record.Record{
		"empty load":     judged(&record.Record{Version: record.Version, Kind: record.KindLoad, Load: (&load.Summary{Interrupted: true}).Record(), Thresholds: []load.ThresholdResult{{Threshold: load.Threshold{Expr: "p99(retail)<1s", Op: "<", Limit: 1e9, Unit: "ns"}, Note: "step retail never ran"}}}),
		"empty contract": judged(&record.Record{Version: record.Version, Kind: record.KindContract, Contract: (&contract.Result{ContractRun: record.ContractRun{Profile: "default"}}).Record()}),
		"capacity": judged(&record.Record{Version: record.Version, Kind: record.KindCapacity, Capacity: judgedCapacity(&load.CapacityResult{
			Scenario:   "read-only",
			Thresholds: []load.Threshold{{Expr: "p99(session)<1s", Metric: "p99", Step: "session", Op: "<", Limit: 1e9, Unit: "ns"}},
			Settings:   record.CapacitySettings{Start: 10, Max: 10000, Growth: 2, Tolerance: 0.05, StepDuration: 20 * time.Second, Warmup: 4 * time.Second, ProbeDuration: 5 * time.Second, Budget: 3 * time.Minute},
			Stopped:    record.StopCancelled, Note: "interrupted before any rate passed",
			Ledger: record.Ledger{LedgerAudit: load.LedgerReport{Skipped: "interrupted before the audit"}},
		})}),
		"nothing": judged(record.New(record.KindAccept, "dev")),
	}
}

func TestRenderSparseRecords(t *testing.T) {
	for name, r := range sparseRecords() {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			paths, err := WriteAll(dir, r)
			require.NoError(t, err)
			b, err := os.ReadFile(paths[FormatJSON])
			require.NoError(t, err)
			validateRecord(t, b)
			txt, _ := os.ReadFile(paths[FormatText])
			assert.Contains(t, string(txt), "loyalcheck "+r.Kind+": "+r.Verdict.Word())
		})
	}
}

// The same record renders to the same bytes, so reports diff cleanly.
func TestRenderingIsDeterministic(t *testing.T) {
	for _, rec := range []func() *record.Record{goldenRecord, goldenCapacityRecord} {
		for _, f := range Formats() {
			first := render(t, rec(), f)
			for range 3 {
				assert.Equal(t, first, render(t, rec(), f), f)
			}
		}
	}
}
