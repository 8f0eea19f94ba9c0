package reports

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/contract"
	"loyalcheck/load"
	"loyalcheck/reports/record"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenRecord is a fixed, hand-built accept record: a contract result
// with every status (evidence and trail included), a load run with a
// violation, a ledger failure, contention and thresholds met, missed and
// unmeasurable. Every number is chosen, so the reports are byte-stable.
func goldenRecord() *record.Record { return goldenRecordOf(goldenRun()) }

// goldenRun is the run of goldenRecord as the engines return it.
func goldenRun() (*contract.Result, *load.Summary, []load.ThresholdResult) {
	t0 := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	lat := func(count int64, p50, p90, p95, p99, p999, max float64) load.Latency {
		return load.Latency{Count: count, Min: ms(p50 / 3), Mean: ms(p50 * 1.2), P50: ms(p50), P90: ms(p90), P95: ms(p95), P99: ms(p99), P999: ms(p999), Max: ms(max)}
	}
	const base = "https://loyalty.example.test/api"
	ev := func(ep api.Endpoint, req string, status int, body string) *contract.Evidence {
		return &contract.Evidence{Endpoint: string(ep), URL: base + ep.Path(), Request: json.RawMessage(req), Status: status, Body: json.RawMessage(body)}
	}
	c := &contract.Result{
		ContractRun: record.ContractRun{Target: base, Profile: "default", Started: t0, Ended: t0.Add(4200 * time.Millisecond),
			Only:             []string{"G2", "G4", "S1", "S3", "S6", "C4", "C5", "H6", "H7", "RT1", "L1", "B1"},
			AcceptUnverified: []string{"C5"}},
		Findings: []contract.Finding{
			{Rule: "G2", Check: "g2-apikey-required", Area: api.AreaGeneral, Kind: api.KindDoc, Status: contract.Pass, Message: "requests without the apikey header are refused (HTTP 422)",
				Evidence: &contract.Evidence{Endpoint: "search", URL: base + api.EpSearch.Path(), Request: json.RawMessage(`{"search":"79200000001","point":"p1"}`), Status: 422, Body: json.RawMessage(`{"apikey":"Invalid apikey."}`), KeySent: "none"}},
			{Rule: "G4", Check: "g4-error-status", Area: api.AreaGeneral, Kind: api.KindDoc, Status: contract.Pass, Message: "errors answer 422 with a JSON object of field -> message"},
			{Rule: "S1", Check: "s1-unknown-client", Area: api.AreaSearch, Kind: api.KindDoc, Status: contract.Pass, Message: `an unknown identifier answers 422 {"client":"Client not found."}`,
				Evidence: ev(api.EpSearch, `{"search":"00000000000","point":"p1"}`, 422, `{"client":"Client not found."}`)},
			{Rule: "S6", Check: "s6-optional-fields", Area: api.AreaSearch, Kind: api.KindInterp, Status: contract.Warn, Message: "client 79200000002: photo is a number (17); want a URL string or null",
				Evidence: ev(api.EpSearch, `{"search":"79200000002","point":"p1"}`, 200, `{"success":true,"client":{"id":"c2","name":"Anna","photo":17,"level":{"id":"l1","title":"Silver","percent":7,"type":"cashback","maxSpendPercent":50},"phone":79200000002,"balance":300}}`)},
			{Rule: "C4", Check: "c4-earn", Area: api.AreaRecalc, Kind: api.KindDoc, Status: contract.Fail, Message: "recalc of 1234 at 10%: earn 246; want 123.4 (within one point)",
				Evidence: ev(api.EpRecalc, `{"client":"c1","point":"p1","amount":1234}`, 200, `{"success":true,"recalc":{"amount":1234,"percent":10,"type":"cashback","spend":500,"earn":246}}`),
				Trail:    []contract.Evidence{*ev(api.EpSearch, `{"search":"79200000001","point":"p1"}`, 200, `{"success":true,"client":{"id":"c1","name":"Ivan","level":{"id":"l2","title":"Gold","percent":10,"type":"cashback","maxSpendPercent":100},"phone":79200000001,"balance":500}}`)}},
			{Rule: "C4", Check: "c4-earn", Area: api.AreaRecalc, Kind: api.KindDoc, Status: contract.Fail, Message: "recalc of 57 at 10%: earn 10; want 5.7 (within one point)",
				Evidence: ev(api.EpRecalc, `{"client":"c1","point":"p1","amount":57}`, 200, `{"success":true,"recalc":{"amount":57,"percent":10,"type":"cashback","spend":57,"earn":10}}`)},
			{Rule: "C4", Check: "c4-earn", Area: api.AreaRecalc, Kind: api.KindDoc, Status: contract.Fail, Message: "recalc of 999 at 7%: earn 138; want 69.93 (within one point)",
				Evidence: ev(api.EpRecalc, `{"client":"c3","point":"p1","amount":999}`, 200, `{"success":true,"recalc":{"amount":999,"percent":7,"type":"cashback","spend":0,"earn":138}}`)},
			{Rule: "S3", Check: "s3-discount-balance", Area: api.AreaSearch, Kind: api.KindDoc, Status: contract.Skip, Message: "fixtures have no discount client"},
			{Rule: "C5", Check: "c5-discount", Area: api.AreaRecalc, Kind: api.KindInterp, Status: contract.Skip, Message: "fixtures have no discount client"},
			{Rule: "H6", Check: "h6-expiry", Area: api.AreaHold, Kind: api.KindDoc, Status: contract.Skip, Message: "needs --slow (waits for a real hold to expire, about a minute)", NotInScope: true},
			{Rule: "H7", Check: "h7-release-idempotent", Area: api.AreaHold, Kind: api.KindDoc, Status: contract.Pass, Message: "release answers success for unknown and already released ids",
				Evidence: ev(api.EpRelease, `{"id":"nope"}`, 200, `{"success":true}`)},
			{Rule: "RT1", Check: "rt1-spend-over", Area: api.AreaRetail, Kind: api.KindDoc, Status: contract.Fail, Message: `spend over the bound answers 422 {"spend":"Not enough bonuses."}; want "Spend can't be more 50"`,
				Evidence: &contract.Evidence{Endpoint: "retail", URL: base + api.EpRetail.Path(), Request: json.RawMessage(`{"client":"c1","point":"p1","amount":100,"spend":51}`), Status: 422, Body: json.RawMessage(`"<html>Not enough | bonuses</html>"`), Note: "the body is not JSON"}},
			{Rule: "L1", Check: "l1-ledger", Area: api.AreaLedger, Kind: api.KindInterp, Status: contract.Pass, Message: "3 clients end where the ledger says (first balance - spends + earns)"},
			{Rule: "B1", Check: "b1-malformed", Area: api.AreaBadInput, Kind: api.KindDoc, Status: contract.Pass, Message: "160 bad requests over the five endpoints were all refused with 422 and an error body"},
		},
	}

	step := func(name string, n, refused, unexpected, viol uint64, l load.Latency) load.StepMetrics {
		m := load.StepMetrics{Name: name, Requests: n, Rate: float64(n) / 10, OK: n - refused - unexpected, Refused: refused, Unexpected: unexpected, Violations: viol,
			StatusCodes: map[string]int{"200": int(n - refused)}, Errors: []load.ErrorCount{}, Latency: l, BytesIn: n * 100, BytesOut: n * 60}
		if refused > 0 {
			m.StatusCodes["422"] = int(refused)
		}
		m.Throughput = float64(m.OK+m.Refused) / 10
		m.Success = float64(m.OK+m.Refused) / float64(n)
		if unexpected > 0 {
			m.Errors = []load.ErrorCount{{Error: "contract S7: client.level.percent", Count: unexpected}}
		}
		return m
	}
	s := &load.Summary{
		Scenario: "checkout", Pacer: "Constant{20 hits/1s}", Seed: 1,
		Started: t0.Add(5 * time.Second), Ended: t0.Add(16 * time.Second),
		Duration: 10 * time.Second, Elapsed: 10500 * time.Millisecond,
		AskedRate: 20, AchievedRate: 19.9, RequestRate: 58.4,
		Sessions: load.Sessions{Scheduled: 200, Started: 200, Completed: 200, Failed: 4, MaxInFlight: 1000, PeakFlight: 3},
		Steps: []load.StepMetrics{
			step("search", 224, 0, 4, 4, lat(224, 0.62, 0.99, 1.09, 1.19, 2.4, 2.4)),
			step("recalc", 200, 0, 0, 0, lat(200, 0.16, 0.32, 0.35, 1.13, 1.5, 1.5)),
			step("hold", 24, 0, 0, 0, lat(24, 0.39, 0.64, 0.64, 0.64, 0.64, 0.64)),
			step("retail", 186, 6, 0, 0, lat(186, 0.37, 0.6, 0.66, 1.23, 3.1, 3.1)),
		},
		Session:    step("session", 200, 0, 4, 0, lat(200, 2.0, 66.3, 170.4, 201.3, 230, 230)),
		Violations: []load.ViolationCount{{Step: "search", Rule: "S7", Count: 4, Example: "client.level.percent: Must be less than or equal to 100 (got 1000)"}},
		Ledger: load.LedgerReport{Clients: 200, Touched: 120, Spent: 5467, Earned: 2006.5, Holds: 24, Released: 9,
			Findings: []load.LedgerFinding{{Rule: "L1", Status: "fail", Client: "c7 (search 79200000007)", Message: "final balance 300, but initial 300 - spends 0 + earns 30 = 330",
				Initial: 300, Expected: 330, Final: 300, Ops: []string{"accrue 30 at p1: accepted"}}}},
		Contention: &load.Contention{HotClients: 3, HoldsAccepted: 20, HoldsRefused: 4, SpendsAccepted: 30, SpendsRefused: 6,
			Hot:  []load.StepLatency{{Step: "search", Latency: lat(150, 0.7, 1, 1.1, 1.3, 2.4, 2.4)}, {Step: "retail", Latency: lat(120, 0.5, 0.8, 0.9, 1.6, 3.1, 3.1)}},
			Cold: []load.StepLatency{{Step: "search", Latency: lat(74, 0.5, 0.9, 1, 1.1, 1.2, 1.2)}, {Step: "retail", Latency: lat(66, 0.3, 0.5, 0.6, 0.9, 1, 1)}}},
		Validation: load.ValidationSettings{Fraction: 1, Validated: 634},
	}
	for sec := range 11 {
		b := load.Bucket{Second: sec, Requests: map[string]uint64{}, Errors: map[string]uint64{}, P99Ms: map[string]float64{}}
		if sec < 10 {
			b.Requests = map[string]uint64{"search": 22, "recalc": 20, "hold": 2, "retail": 18}
			b.P99Ms = map[string]float64{"search": 1 + float64(sec%3)/10, "recalc": 0.3 + float64(sec%4)/10, "hold": 0.6, "retail": 1.1 + float64(sec%2)/5}
			b.Sessions, b.SessionP99 = 20, 190+float64(sec)
		}
		if sec == 4 || sec == 7 {
			b.Errors = map[string]uint64{"search": 2}
		}
		s.Timeline = append(s.Timeline, b)
	}
	var ts []load.ThresholdResult
	for _, e := range []string{"p99(session)<1s", "errors<1%", "violations==0", "p99(release)<100ms"} {
		th, err := load.ParseThreshold(e)
		if err != nil {
			panic(err)
		}
		ts = append(ts, load.Evaluate(th, s))
	}
	return c, s, ts
}

// goldenRecordOf is the judged record of the golden run with these
// results (nil leaves a section out).
func goldenRecordOf(c *contract.Result, s *load.Summary, ts []load.ThresholdResult) *record.Record {
	t0 := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	const base = "https://loyalty.example.test/api"
	r := &record.Record{
		Version:  record.Version,
		Tool:     record.Tool{Name: "loyalcheck", Version: "v1.2.3", GoVersion: "go1.26.8"},
		Kind:     record.KindAccept,
		Started:  t0,
		Ended:    t0.Add(16 * time.Second),
		Target:   record.TargetOf(base, false),
		Fixtures: record.FixturesSummary{Points: 5, Clients: 200, ClientsByType: map[string]int{"cashback": 150, "discount": 50}},
		Scenario: &record.ScenarioInfo{Name: "checkout", Description: "realistic checkout mix", Pacer: "constant", Rate: "20/1s", Duration: "30s", MaxInFlight: 1000, Clients: "uniform",
			Flows: []record.FlowInfo{{Name: "accrue", Weight: 60, Steps: []string{"search", "recalc", "retail(accrue)"}}, {Name: "spend-with-hold", Weight: 40, Steps: []string{"search", "recalc", "hold(max, 5 min)", "retail(spend max, with hold)"}}},
			SLO:   []string{"p99(session)<1s", "errors<1%", "violations==0"}},
		Contract:    c.Record(),
		Load:        (s).Record(),
		Thresholds:  ts,
		Environment: record.Environment{OS: "linux", Arch: "amd64", CPUs: 8, GoVersion: "go1.26.8", Hostname: "ci-runner-7"},
	}
	Judge(r)
	return r
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run 'go test ./reports -run %s -update' to create it", t.Name())
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the rendered report (run with -update to accept):\n%s", path, firstDiff(string(want), string(got)))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(same lines; a trailing newline differs)"
}

func render(t *testing.T, r *record.Record, f Format, opts ...Option) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Render(&buf, r, f, opts...))
	return buf.String()
}

func TestGoldenText(t *testing.T) {
	golden(t, "golden.txt", []byte(render(t, goldenRecord(), FormatText)))
}

func TestGoldenTextColor(t *testing.T) {
	golden(t, "golden.color.txt", []byte(render(t, goldenRecord(), FormatText, WithColor(true))))
}

func TestGoldenMarkdown(t *testing.T) {
	golden(t, "golden.md", []byte(render(t, goldenRecord(), FormatMarkdown)))
}

// The checked-in record is what this version writes and reads: a field
// renamed, added or removed breaks this test, a reminder that the shape
// only changes with record.Version (and schemas/run.schema.json).
func TestGoldenRecordFile(t *testing.T) {
	b, err := goldenRecord().Encode()
	require.NoError(t, err)
	golden(t, "golden.run.json", b)
	validateRecord(t, b)

	r, err := record.Read(filepath.Join("testdata", "golden.run.json"))
	require.NoError(t, err)
	again, err := r.Encode()
	require.NoError(t, err)
	assert.Equal(t, string(b), string(again), "reading and writing the record must not change it")
}

func TestColorOnlyWhenAsked(t *testing.T) {
	r := goldenRecord()
	assert.NotContains(t, render(t, r, FormatText), "\033[")
	assert.NotContains(t, render(t, r, FormatText, WithColor(false)), "\033[")
	colored := render(t, r, FormatText, WithColor(true))
	assert.Contains(t, colored, ansiRed)
	assert.Equal(t, stripANSI(colored), render(t, r, FormatText), "colour changes nothing but colour")
}

func stripANSI(s string) string {
	for _, c := range []string{ansiReset, ansiBold, ansiDim, ansiRed, ansiGreen, ansiYellow} {
		s = strings.ReplaceAll(s, c, "")
	}
	return s
}

// checkCount is how many checks a contract run has.
func checkCount(c *record.Contract) int {
	n := 0
	for _, a := range c.Areas {
		n += len(a.Checks)
	}
	return n
}
