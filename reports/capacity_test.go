package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/load"
	"loyalcheck/reports/record"
	"loyalcheck/sandbox"
	"loyalcheck/scenarios"
)

// capacitySLO are the SLOs of the golden capacity search.
var capacitySLO = []string{"p99(session)<200ms", "errors<0.5%"}

// goldenCapacityStep builds one step of the golden search the way the
// search judges it: the SLOs evaluated on a summary of the step, a p99
// on fewer than 100 sessions too thin to judge.
func goldenCapacityStep(t0 time.Time, n int, phase string, d time.Duration, asked, achieved float64, p50, p99, p999 float64, errFrac float64) load.CapacityStep {
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	warm := d / 5
	sessions := uint64(math.Round(achieved * (d - warm).Seconds()))
	requests := 3 * sessions
	errs := uint64(math.Round(errFrac * float64(requests)))
	lat := load.Latency{Count: int64(sessions), Min: ms(p50 / 4), Mean: ms(p50 * 1.3), P50: ms(p50), P90: ms((p50 + p99) / 2), P95: ms(p99 * 0.8), P99: ms(p99), P999: ms(p999), Max: ms(p999 * 1.1)}
	sum := &load.Summary{
		AskedRate: asked, AchievedRate: achieved,
		Session: load.StepMetrics{Name: "session", Requests: sessions, Latency: lat},
		Steps: []load.StepMetrics{{Name: "search", Requests: requests, Unexpected: errs, OK: requests - errs,
			Latency: load.Latency{Count: int64(requests), P50: ms(p50 / 3), P99: ms(p99 / 3), P999: ms(p999 / 3)}}},
	}
	ts, err := load.ParseThresholds(capacitySLO)
	if err != nil {
		panic(err)
	}
	st := load.CapacityStep{
		N: n, Phase: phase, Asked: asked, Achieved: achieved, RequestRate: 3 * achieved,
		Sessions: sessions, Requests: requests, Errors: errs, ErrorFraction: float64(errs) / float64(requests),
		Violations: []load.ViolationCount{}, Session: lat,
		Endpoints: []load.StepLatency{
			{Step: "search", Latency: load.Latency{Count: int64(sessions), P50: ms(p50 / 3), P99: ms(p99 / 3), P999: ms(p999 / 3), Max: ms(p999 / 3)}},
			{Step: "recalc", Latency: load.Latency{Count: int64(sessions), P50: ms(p50 / 4), P99: ms(p99 / 4), P999: ms(p999 / 4), Max: ms(p999 / 4)}},
			{Step: "retail", Latency: load.Latency{Count: int64(sessions), P50: ms(p50 / 3), P99: ms(p99 / 3), P999: ms(p999 / 3), Max: ms(p999 / 3)}},
		},
		Thresholds: load.EvaluateAll(ts, sum),
		Started:    t0, Duration: d, Warmup: warm, Elapsed: d + 300*time.Millisecond,
	}
	if errs > 0 {
		st.TopErrors = []load.ErrorCount{{Error: "search: HTTP 503", Count: errs}}
	}
	var thin []string
	for _, r := range st.Thresholds {
		if r.Metric == "p99" && sessions < 100 {
			thin = append(thin, fmt.Sprintf("%s: %d sessions measured, too few to judge a p99 (needs 100)", r.Expr, sessions))
			continue
		}
		if !r.Pass {
			st.Reasons = append(st.Reasons, fmt.Sprintf("%s (measured %s)", r.Expr, r.MeasuredText))
		}
	}
	if len(st.Reasons) == 0 && len(thin) > 0 {
		st.Inconclusive, st.Reasons = true, thin
	}
	st.Pass = len(st.Reasons) == 0
	return st
}

// goldenCapacityRecord is a fixed capacity search that converged: probes
// grow the rate from 10/s (the first two too short to judge a p99) until
// 320/s fails; 160/s is confirmed by a full step, then full steps bisect
// to 247/s passing and 258/s failing. Every number is chosen.
func goldenCapacityRecord() *record.Record { return capacityRecord(goldenCapacity()) }

// goldenCapacity is the search of goldenCapacityRecord as the engine
// returns it.
func goldenCapacity() *load.CapacityResult {
	t0 := time.Date(2026, 3, 14, 11, 0, 0, 0, time.UTC)
	at := t0
	var steps []load.CapacityStep
	step := func(phase string, d time.Duration, asked, achieved, p50, p99, p999, errFrac float64) {
		steps = append(steps, goldenCapacityStep(at, len(steps)+1, phase, d, asked, achieved, p50, p99, p999, errFrac))
		at = at.Add(d + 300*time.Millisecond)
	}
	probe, full := 5*time.Second, 20*time.Second
	step("grow", probe, 10, 10, 8.1, 19.5, 22, 0)
	step("grow", probe, 20, 20, 8.3, 20.4, 26, 0)
	step("grow", probe, 40, 40, 8.2, 21, 30, 0)
	step("grow", probe, 80, 80, 9.1, 24.2, 41, 0)
	step("grow", probe, 160, 160, 11, 38, 77, 0)
	step("grow", probe, 320, 312.5, 380, 912, 1450, 0.024)
	step("confirm", full, 160, 160, 11.2, 41, 90, 0)
	step("bisect", full, 226, 226, 14, 77, 160, 0.0004)
	step("bisect", full, 269, 268.4, 61, 246, 420, 0.002)
	step("bisect", full, 247, 247, 17, 131, 260, 0.0008)
	step("bisect", full, 258, 257.9, 35, 214, 330, 0.0031)
	ts, err := load.ParseThresholds(capacitySLO)
	if err != nil {
		panic(err)
	}
	c := &load.CapacityResult{
		Scenario:   "ramp",
		Thresholds: ts,
		Settings: record.CapacitySettings{Start: 10, Max: 10000, Growth: 2, Tolerance: 0.05, StepDuration: full, Warmup: 4 * time.Second,
			ProbeDuration: probe, Budget: 5 * time.Minute},
		Found:      true,
		MaxPassing: 247, MaxPassingRequests: 741, FirstFailing: 258, FirstFailingRequests: 773.7,
		BrokenBy: append([]string{}, steps[10].Reasons...),
		Stopped:  record.StopConverged,
		Note:     "capacity 247 sessions/s (741 requests/s): 247/s passes and 258/s fails, within 5%",
		Steps:    steps,
		Started:  t0,
		Elapsed:  at.Sub(t0) + 1200*time.Millisecond,
		Ledger:   record.Ledger{LedgerAudit: load.LedgerReport{Clients: 200, Touched: 186, Spent: 120345, Earned: 98211.5, Findings: []load.LedgerFinding{}}},
	}
	return c
}

// capacityRecord is the judged record of the golden search's run with
// the search c.
func capacityRecord(c *load.CapacityResult) *record.Record {
	t0 := time.Date(2026, 3, 14, 11, 0, 0, 0, time.UTC)
	r := &record.Record{
		Version:  record.Version,
		Tool:     record.Tool{Name: "loyalcheck", Version: "v1.2.3", GoVersion: "go1.26.8"},
		Kind:     record.KindCapacity,
		Started:  t0,
		Ended:    t0.Add(c.Elapsed + 100*time.Millisecond),
		Target:   record.TargetOf("https://loyalty.example.test/api", false),
		Fixtures: record.FixturesSummary{Points: 5, Clients: 200, ClientsByType: map[string]int{"cashback": 150, "discount": 50}},
		Scenario: &record.ScenarioInfo{Name: "ramp", Description: "checkout mix on a linear ramp", Pacer: "linear", Rate: "5/1s", RampTo: "100/1s", Duration: "1m0s", MaxInFlight: 2000, Clients: "uniform",
			Flows: []record.FlowInfo{{Name: "accrue", Weight: 70, Steps: []string{"search", "recalc", "retail(accrue)"}}, {Name: "spend", Weight: 30, Steps: []string{"search", "recalc", "retail(spend 0.5 of max)"}}},
			SLO:   []string{}},
		Capacity:    judgedCapacity(c),
		Environment: record.Environment{OS: "linux", Arch: "amd64", CPUs: 8, GoVersion: "go1.26.8", Hostname: "ci-runner-7"},
	}
	r.Thresholds = record.CapacityThresholds(r.Capacity)
	Judge(r)
	return r
}

// judgedCapacity judges a search built by hand as the search does at its
// end: the ledger's verdict, then the search's.
func judgedCapacity(c *load.CapacityResult) *load.CapacityResult {
	c.Ledger = record.LedgerOf(c.Ledger.LedgerAudit)
	c.Failed = c.RuleBroken()
	return c
}

// brokenCapacityRecord is the golden search where the target broke the
// ledger (L2 on two clients) and the contract above its capacity.
func brokenCapacityRecord() *record.Record {
	c := goldenCapacity()
	c.Found = false
	c.Ledger.Findings = []load.LedgerFinding{
		{Rule: "L2", Status: "fail", Client: "c3", Message: "spent twice", Initial: 500, Expected: 300, Final: 100, Ops: []string{"spend 200 at p1: accepted", "spend 200 at p1 (retry): accepted"}},
		{Rule: "L2", Status: "fail", Client: "c9", Message: "spent twice", Initial: 80, Expected: 0, Final: -80},
	}
	st := &c.Steps[5]
	st.Violations = []load.ViolationCount{{Step: "search", Rule: "S7", Count: 4, Example: "client.level.percent: Must be less than or equal to 100 (got 1000)"}}
	st.Reasons = append(st.Reasons, "contract violations: search S7 x4")
	c.Note += "; but the ledger audit failed (L2): a target that loses or double-spends points has no capacity figure"
	return capacityRecord(c)
}

var (
	capacityOnce, brokenCapacityOnce sync.Once
	capacityRec, brokenCapacityRec   *record.Record
)

// capacityRun is a real capacity search against a healthy sandbox: two
// short probes of the read-only scenario, both passing.
func capacityRun(t testing.TB) *record.Record {
	capacityOnce.Do(func() { capacityRec = realCapacityRecord(t, "read-only", nil) })
	require.NotNil(t, capacityRec)
	return capacityRec
}

// brokenCapacityRun is a real capacity search against a sandbox that
// breaks the contract under load (S7) and loses accruals (L1): it stops
// at the first step.
func brokenCapacityRun(t testing.TB) *record.Record {
	brokenCapacityOnce.Do(func() {
		brokenCapacityRec = realCapacityRecord(t, "ramp", []string{"percent-over-100", "accrue-lost"})
	})
	require.NotNil(t, brokenCapacityRec)
	return brokenCapacityRec
}

func realCapacityRecord(t testing.TB, scenario string, faults []string) *record.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.WithAPIKey(testAPIKey), sandbox.WithFaults(faults...))
	require.NoError(t, err)
	defer sb.Close()
	c, err := sb.Client()
	require.NoError(t, err)
	sc, err := scenarios.Load(scenario)
	require.NoError(t, err)
	r, err := load.NewRunner(ctx, c, sb.Fixtures(), sc)
	require.NoError(t, err)
	ts, err := load.ParseThresholds([]string{"p90(session)<2s"})
	require.NoError(t, err)
	res, err := load.SearchCapacity(ctx, r, ts, load.CapacityOptions{CapacitySettings: record.CapacitySettings{Start: 20, Max: 40, StepDuration: 2 * time.Second, Budget: 20 * time.Second}})
	require.NoError(t, err)
	rec := record.New(record.KindCapacity, "v0.0.0-test")
	rec.Started = res.Started.UTC()
	rec.Target = record.TargetOf(sb.URL(), true)
	rec.Fixtures = record.SummarizeFixtures(sb.Fixtures())
	rec.Scenario = record.ScenarioInfoOf(sc)
	rec.Capacity = res
	rec.Thresholds = record.CapacityThresholds(rec.Capacity)
	rec.Ended = time.Now().UTC()
	Judge(rec)
	return rec
}

func TestGoldenCapacityText(t *testing.T) {
	golden(t, "golden.capacity.txt", []byte(render(t, goldenCapacityRecord(), FormatText)))
}

func TestGoldenCapacityMarkdown(t *testing.T) {
	golden(t, "golden.capacity.md", []byte(render(t, goldenCapacityRecord(), FormatMarkdown)))
}

// The checked-in capacity record is valid, and reads and writes back the
// same: the capacity section is part of the record.
func TestGoldenCapacityRecordFile(t *testing.T) {
	b, err := goldenCapacityRecord().Encode()
	require.NoError(t, err)
	golden(t, "golden.capacity.run.json", b)
	validateRecord(t, b)
	r, err := record.Read(filepath.Join("testdata", "golden.capacity.run.json"))
	require.NoError(t, err)
	again, err := r.Encode()
	require.NoError(t, err)
	assert.Equal(t, string(b), string(again), "reading and writing the record must not change it")
	require.NotNil(t, r.Capacity)
	assert.Equal(t, 247.0, r.Capacity.MaxPassing)
	assert.Len(t, r.Capacity.Steps, 11)
}

func TestCapacityRecordsMatchSchema(t *testing.T) {
	for name, r := range map[string]*record.Record{
		"golden": goldenCapacityRecord(), "broken": brokenCapacityRecord(), "real": capacityRun(t), "real, broken target": brokenCapacityRun(t),
		"sparse": sparseRecords()["capacity"],
	} {
		t.Run(name, func(t *testing.T) { writeValidated(t, t.TempDir(), r) })
	}
	// Null lists are written as [].
	r := goldenCapacityRecord()
	r.Capacity.BrokenBy, r.Capacity.Steps[0].Violations, r.Capacity.Steps[0].Endpoints, r.Capacity.Steps[0].Thresholds = nil, nil, nil, nil
	writeValidated(t, t.TempDir(), r)
	assert.Nil(t, r.Capacity.BrokenBy, "encoding does not change the record")
}

// The capacity section is as strict as the rest of the schema.
func TestCapacitySchemaIsStrict(t *testing.T) {
	b, err := goldenCapacityRecord().Encode()
	require.NoError(t, err)
	mutate := func(f func(c map[string]any)) []byte {
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		f(m["capacity"].(map[string]any))
		out, err := json.Marshal(m)
		require.NoError(t, err)
		return out
	}
	step0 := func(c map[string]any) map[string]any { return c["steps"].([]any)[0].(map[string]any) }
	bad := map[string][]byte{
		"unknown capacity field": mutate(func(c map[string]any) { c["knee"] = 1 }),
		"unknown step field":     mutate(func(c map[string]any) { step0(c)["p42"] = 1 }),
		"unknown settings field": mutate(func(c map[string]any) { c["settings"].(map[string]any)["x"] = 1 }),
		"unknown slo field":      mutate(func(c map[string]any) { c["thresholds"].([]any)[0].(map[string]any)["measured"] = 1 }),
		"bad phase":              mutate(func(c map[string]any) { step0(c)["phase"] = "warp" }),
		"bad stop reason":        mutate(func(c map[string]any) { c["stopped"] = "tired" }),
		"missing steps":          mutate(func(c map[string]any) { delete(c, "steps") }),
		"missing ledger":         mutate(func(c map[string]any) { delete(c, "ledger") }),
		"missing session":        mutate(func(c map[string]any) { delete(step0(c), "session") }),
		"negative rate":          mutate(func(c map[string]any) { step0(c)["asked_rate"] = -1 }),
		"error share over 1":     mutate(func(c map[string]any) { step0(c)["error_fraction"] = 1.5 }),
		"growth of 1":            mutate(func(c map[string]any) { c["settings"].(map[string]any)["growth"] = 1 }),
		"a free-form capacity":   mutate(func(c map[string]any) { clear(c); c["max_rate"] = 120 }),
	}
	for name, doc := range bad {
		assert.NotEmpty(t, schemaErrors(t, doc), name)
	}
}

func TestJudgeCapacity(t *testing.T) {
	r := goldenCapacityRecord()
	assert.True(t, r.Verdict.Pass, "%v", r.Verdict.Reasons)
	assert.Empty(t, r.Verdict.Notes, "a converged search leaves nothing to note")
	require.Len(t, r.Thresholds, 2, "the SLOs as measured at the highest passing step")
	assert.Equal(t, "131ms", r.Thresholds[0].MeasuredText)

	cases := map[string]struct {
		mutate  func(c *load.CapacityResult)
		reasons []string
		notes   []string
	}{
		"no rate passed": {
			mutate: func(c *load.CapacityResult) {
				c.Found, c.MaxPassing, c.Stopped, c.Note = false, 0, record.StopTooFew, "no rate passed: 320/s fails, and at 10/s a step of 5s is too short to judge"
				for i := range c.Steps {
					c.Steps[i].Pass = false
				}
			},
			reasons: []string{"capacity: none found (too-few-samples: no rate passed: 320/s fails, and at 10/s a step of 5s is too short to judge)"}},
		"ledger broken": {
			mutate: func(c *load.CapacityResult) {
				c.Found = false
				c.Ledger.Findings = []load.LedgerFinding{{Rule: "L2", Status: "fail", Client: "a"}, {Rule: "L2", Status: "fail", Client: "b"}, {Rule: "L2", Status: "fail", Client: "c"}, {Rule: "L3", Status: "warn", Client: "d"}}
			},
			reasons: []string{"ledger: L2 on 3 clients", "capacity: no figure stands: the SLOs held up to 247/s, but the ledger audit failed"},
			notes:   []string{"ledger: L3 on 1 client could be explained by requests that got no answer"}},
		"ledger not audited (no thresholds then)": {
			mutate:  func(c *load.CapacityResult) { c.Found, c.Ledger.Skipped = false, "the target went away" },
			reasons: []string{"ledger: not audited: the target went away (a capacity figure needs a clean ledger)", "capacity: no figure stands: the SLOs held up to 247/s, but the ledger audit failed"}},
		"contract broken above the capacity": {
			mutate: func(c *load.CapacityResult) {
				c.Steps[5].Violations = []load.ViolationCount{{Step: "search", Rule: "S7", Count: 3}}
				c.Steps[8].Violations = []load.ViolationCount{{Step: "search", Rule: "S7", Count: 1}}
			},
			reasons: []string{"capacity: S7 broken 4 times in search responses (at 320/s, 269/s)"}},
		"budget ran out": {
			mutate:  func(c *load.CapacityResult) { c.Stopped, c.Note = record.StopBudget, "the time budget ran out" },
			notes:   []string{"capacity: budget: the time budget ran out"},
			reasons: nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := goldenCapacity()
			tc.mutate(c)
			r := capacityRecord(c)
			assert.Equal(t, len(tc.reasons) == 0, r.Verdict.Pass)
			assert.Equal(t, nonNil(tc.reasons), r.Verdict.Reasons)
			assert.Equal(t, nonNil(tc.notes), r.Verdict.Notes)
		})
	}
}

// Real searches: a healthy sandbox passes with a figure, a broken one
// fails on the contract and the ledger, not on a capacity figure.
func TestCapacityRealRuns(t *testing.T) {
	ok := capacityRun(t)
	require.True(t, ok.Verdict.Pass, "%v", ok.Verdict.Reasons)
	assert.Equal(t, 40.0, ok.Capacity.MaxPassing)
	assert.Equal(t, record.StopMaxReached, ok.Capacity.Stopped)
	assert.Len(t, ok.Thresholds, 1)
	txt := render(t, ok, FormatText)
	assert.Contains(t, txt, "capacity: at least 40 sessions/s (")
	assert.Contains(t, txt, "keeping p90(session)<2s, errors ≤ 0.1%; no rate tried failed")
	assert.Contains(t, txt, "LEDGER (L1-L3)\n  OK  ")

	bad := brokenCapacityRun(t)
	require.False(t, bad.Verdict.Pass)
	all := strings.Join(bad.Verdict.Reasons, "\n")
	assert.Contains(t, all, "ledger: L1 on ")
	assert.Contains(t, all, "capacity: S7 broken ")
	assert.Contains(t, all, "capacity: none found (broken-target: ")
	assert.Equal(t, record.StopBroken, bad.Capacity.Stopped)
	assert.Empty(t, bad.Thresholds, "no rate passed: no thresholds to show")
	txt = render(t, bad, FormatText)
	assert.Contains(t, txt, "capacity: none: no rate passed, and the ledger audit failed (L1 on ")
	assert.NotContains(t, txt, "sessions/s (", "no capacity figure when the ledger failed")
}

func TestCapacityText(t *testing.T) {
	txt := render(t, goldenCapacityRecord(), FormatText)
	for _, want := range []string{
		"loyalcheck capacity: PASS\n",
		"CAPACITY scenario ramp, 11 steps",
		"capacity: 247 sessions/s (741 requests/s) keeping p99(session)<200ms, errors<0.5%; first failing rate 258/s (774 requests/s) broken by p99(session)<200ms (measured 214ms)",
		"stopped  converged: capacity 247 sessions/s",
		"PASS  <- capacity\n",
		"FAIL  <- first failing\n",
		"10/s (#1, 5s) not judged: p99(session)<200ms: 40 sessions measured, too few",
		"320/s (#6, 5s) failed: p99(session)<200ms (measured 912ms); errors<0.5% (measured 2.4%)",
		"THRESHOLDS at 247/s, the highest passing rate: 2 of 2 met",
	} {
		assert.Contains(t, txt, want)
	}
	// Steps in rate order: the row of 226/s comes before that of 247/s.
	assert.Less(t, strings.Index(txt, "  226  "), strings.Index(txt, "  247  "))

	broken := render(t, brokenCapacityRecord(), FormatText)
	assert.Contains(t, broken, "capacity: none: the ledger audit failed (L2 on 2 clients), so no figure stands (the SLOs held up to 247 sessions/s)")
	assert.Contains(t, broken, "LEDGER (L1-L3)\n  FAIL  ")
	assert.NotContains(t, broken, "<- capacity")

	r := goldenCapacityRecord()
	colored := render(t, r, FormatText, WithColor(true))
	assert.Equal(t, stripANSI(colored), render(t, r, FormatText), "colour changes nothing but colour")
}

func TestCapacityMarkdown(t *testing.T) {
	md := render(t, brokenCapacityRecord(), FormatMarkdown)
	assert.Contains(t, md, "## ❌ loyalcheck capacity: FAIL")
	assert.Contains(t, md, "### Capacity: none (the ledger audit failed)")
	assert.Contains(t, md, "**Ledger:** ❌ 2 findings over 200 clients audited")
	assert.Contains(t, md, "| ❌ | L2 | c3 | spent twice |")
	assert.Contains(t, md, "contract violations: search S7 x4")
	assert.NotContains(t, md, "### Thresholds", "no figure, so no thresholds measured at it")
}

func TestCapacityJUnit(t *testing.T) {
	r := goldenCapacityRecord()
	s := parseJUnit(t, r)
	require.Len(t, s.Suites, 2)
	c, l := s.Suites[0], s.Suites[1]
	assert.Equal(t, "capacity", c.Name)
	assert.Equal(t, "ledger", l.Name)
	require.Len(t, c.Cases, len(r.Capacity.Steps)+1, "a case per step and one for the result")
	assert.Equal(t, 0, c.Failures, "steps over the SLOs are what the search looks for, not failures")
	assert.Equal(t, 2, c.Skipped, "the two steps too short to judge")
	first := c.Cases[0]
	assert.Equal(t, "step 1: 10/s (grow, 5s)", first.Name)
	require.NotNil(t, first.Skipped)
	assert.Contains(t, first.Skipped.Message, "too few to judge a p99")
	last := c.Cases[10]
	assert.Equal(t, "step 11: 258/s (bisect, 20s)", last.Name)
	assert.Nil(t, last.Failure)
	assert.Contains(t, c.SystemOut, "step 11: 258/s (bisect, 20s): over the SLOs: p99(session)<200ms (measured 214ms)")
	result := c.Cases[11]
	assert.Equal(t, "capacity keeping p99(session)<200ms, errors<0.5%", result.Name)
	assert.Nil(t, result.Failure, "a capacity was found")
	assert.Contains(t, c.SystemOut, "capacity: 247 sessions/s")
	require.Len(t, l.Cases, 3)
	for _, tc := range l.Cases {
		assert.Nil(t, tc.Failure, tc.Name)
		assert.Equal(t, "capacity.ledger", tc.Classname)
	}

	b := parseJUnit(t, brokenCapacityRecord())
	res := b.Suites[0].Cases[len(b.Suites[0].Cases)-1]
	require.NotNil(t, res.Failure)
	assert.Contains(t, res.Failure.Message, "the ledger audit failed (L2 on 2 clients)")
	assert.Contains(t, res.Failure.Message, "S7 broken 4 times in search responses (at 320/s)")
	require.NotNil(t, b.Suites[1].Cases[1].Failure, "L2 fails")
	assert.Contains(t, b.Suites[1].Cases[1].Failure.Message, "L2 broken on 2 clients")
}

// The capacity charts: the knee marked at both rates, a marker per step
// and per percentile shaped by its verdict, the SLO limit drawn, and the
// x axis logarithmic over a wide span of rates only.
func TestCapacityCharts(t *testing.T) {
	c := goldenCapacityRecord().Capacity
	lat := capacityLatencyChart(c)
	wellFormed(t, lat)
	assert.Contains(t, lat, `id="chart-capacity-latency"`)
	assert.Contains(t, lat, `data-xscale="log"`, "10/s to 320/s is more than ten times")
	assert.Contains(t, lat, "(log scale)")
	assert.Equal(t, 3*6, strings.Count(lat, `class="marker pass"`), "six passing steps, three percentiles each")
	assert.Equal(t, 3*3, strings.Count(lat, `class="marker fail"`))
	assert.Equal(t, 3*2, strings.Count(lat, `class="marker skip"`))
	assert.Equal(t, 3, strings.Count(lat, `class="key `), "the legend explains the three shapes")
	assert.Contains(t, lat, `<g class="knee" data-rate="247">`)
	assert.Contains(t, lat, ">capacity 247/s</text>")
	assert.Contains(t, lat, ">258/s fails: p99(session)&lt;200ms</text>")
	assert.Equal(t, 1, strings.Count(lat, `class="knee-band"`))
	assert.Contains(t, lat, ">SLO p99(session)&lt;200ms</text>")
	assert.Equal(t, 3, strings.Count(lat, `class="line"`), "a line per percentile")

	errs := capacityErrorChart(c)
	wellFormed(t, errs)
	assert.Contains(t, errs, ">SLO errors&lt;0.5%</text>")
	assert.Contains(t, errs, `data-yscale="linear"`)
	wellFormed(t, capacityRateChart(c))

	// Rates within ten times of each other: a linear axis from a round
	// value; no failing step: one mark, no band.
	narrow := capacityRun(t).Capacity
	ch := capacityLatencyChart(narrow)
	wellFormed(t, ch)
	assert.Contains(t, ch, `data-xscale="linear"`)
	assert.Contains(t, ch, ">capacity ≥ 40/s (nothing failed)</text>")
	assert.NotContains(t, ch, "knee-band")

	// Nothing measured at all still draws.
	empty := &load.CapacityResult{Stopped: record.StopBudget}
	for _, svg := range []string{capacityLatencyChart(empty), capacityErrorChart(empty), capacityRateChart(empty)} {
		wellFormed(t, svg)
	}
}

func TestCapacityHTML(t *testing.T) {
	page := render(t, goldenCapacityRecord(), FormatHTML)
	assert.NotContains(t, page, `<pre class="raw">`, "no raw JSON in place of the section")
	assert.Contains(t, page, "the capacity search replaced the scenario&#39;s arrival")
	assert.Contains(t, page, "measured at 247/s, the highest passing rate")
}

// hostileCapacityRecord carries a server's hostile text where a capacity
// search records it: an error outcome, a violation's example, a step's
// reasons and the ledger.
func hostileCapacityRecord() *record.Record {
	r := brokenCapacityRecord()
	nasty := "a\x00b\x1b[31mc <script>alert(1)</script> & \"q\" 'q' ]]> \xff\xfe |*_` \uFFFE end"
	c := r.Capacity
	st := &c.Steps[5]
	st.TopErrors = []record.ErrorCount{{Error: "search: " + nasty, Count: 3}}
	st.Violations[0].Example = nasty
	st.Reasons = append(st.Reasons, nasty)
	c.BrokenBy = append(c.BrokenBy, nasty)
	c.Steps[10].Reasons = append(c.Steps[10].Reasons, nasty)
	c.Ledger.Findings[0].Message = nasty
	c.Note = nasty
	Judge(r)
	return r
}

func TestCapacityEscapesEverything(t *testing.T) {
	r := hostileCapacityRecord()
	for _, f := range []Format{FormatText, FormatMarkdown, FormatHTML, FormatJUnit} {
		out := render(t, r, f)
		assert.NotContains(t, out, "\x00", f)
		assert.NotContains(t, out, "\x1b[31m", f)
		if f != FormatText { // a terminal shows markup as text
			assert.NotContains(t, out, "<script>alert(1)", f)
		}
	}
	page := render(t, r, FormatHTML)
	assert.Contains(t, page, "&lt;script&gt;alert(1)")
}
