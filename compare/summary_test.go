package compare

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/load"
	"loyalcheck/sandbox"
	"loyalcheck/scenarios"
)

// sandboxRun loads a loopback sandbox, whose answers to path are delayed
// by delay, and returns the summary as read back from its JSON. It runs
// beside another: it reports errors instead of failing the test.
func sandboxRun(path string, delay time.Duration) (*load.Summary, error) {
	srv, err := sandbox.New(sandbox.WithDB(sandbox.MemoryDB), sandbox.WithClients(40))
	if err != nil {
		return nil, err
	}
	h := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == path {
			time.Sleep(delay)
		}
		h.ServeHTTP(w, r)
	}))
	defer func() {
		ts.CloseClientConnections()
		ts.Close()
		srv.Close()
	}()
	c, err := api.NewClient(ts.URL, api.WithAPIKey(api.SandboxAPIKey), api.WithTimeout(5*time.Second))
	if err != nil {
		return nil, err
	}
	sc, err := scenarios.Load("read-only")
	if err != nil {
		return nil, err
	}
	sum, err := load.Run(context.Background(), c, srv.Fixtures(), sc,
		load.WithRate(scenarios.Rate{Freq: 40, Per: time.Second}), load.WithDuration(2*time.Second))
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(sum)
	if err != nil {
		return nil, err
	}
	var back load.Summary
	return &back, json.Unmarshal(b, &back)
}

// sandboxPair runs BASE and NEW at the same time, so that the drift of a
// busy machine hits both alike; NEW's recalc answers are delayed by delay.
// It returns too the slowest recalc p90 of the pair, delay left out.
func sandboxPair(t *testing.T, delay time.Duration) (*Run, *Run, time.Duration) {
	t.Helper()
	var sums [2]*load.Summary
	var errs [2]error
	var wg sync.WaitGroup
	wg.Go(func() { sums[0], errs[0] = sandboxRun("", 0) })
	wg.Go(func() { sums[1], errs[1] = sandboxRun(api.EpRecalc.Path(), delay) })
	wg.Wait()
	var runs [2]*Run
	var p90 time.Duration
	for i := range sums {
		require.NoError(t, errs[i])
		var err error
		runs[i], err = FromLoad(sums[i].Record())
		require.NoError(t, err)
		m, ok := sums[i].Step(string(api.EpRecalc))
		require.True(t, ok)
		p90 = max(p90, m.Latency.P90-delay*time.Duration(i))
	}
	return runs[0], runs[1], p90
}

// TestSandboxRuns: pairs of runs of the same sandbox are not flagged; a
// delay added to recalc is flagged on recalc and on sessions (which call
// it), with the right sign and size, and nowhere else.
//
// A busy machine (or the race detector) stretches every latency, so the
// delay is sized from the recalc p90 the same-build pairs measured (three
// times it, at least 50ms), and resized when the delayed pair's own p90
// shows the machine got busier: the pair judged always has a delay large
// beside its own latency, whatever the machine's load.
func TestSandboxRuns(t *testing.T) {
	var p90 time.Duration
	for i := range 3 {
		base, newer, pp90 := sandboxPair(t, 0)
		p90 = max(p90, pp90)
		res, err := Compare(base, newer)
		require.NoError(t, err)
		for _, m := range res.Metrics {
			assert.NotEqual(t, Regression, m.Verdict, "pair %d %s: %s", i, m.Name, m.Reason)
			if m.Metric != "p99" { // 80 sessions cannot bound a p99
				assert.NotEqual(t, NotJudged, m.Verdict, "pair %d %s: %s", i, m.Name, m.Reason)
			}
		}
		assert.Empty(t, res.Warnings)
	}

	delay := max(50*time.Millisecond, 3*p90).Round(time.Millisecond)
	var base, newer *Run
	for attempt := range 3 {
		base, newer, p90 = sandboxPair(t, delay)
		t.Logf("recalc delayed by %s; recalc p90 of the pair, delay left out, %s", delay, p90)
		if 2*p90 <= delay {
			break
		}
		require.Less(t, attempt, 2, "the machine's recalc latency grew past half of every delay tried")
		delay = (3 * p90).Round(time.Millisecond)
	}
	res, err := Compare(base, newer)
	require.NoError(t, err)
	assert.True(t, res.Regression)
	for _, m := range res.Metrics {
		t.Logf("%s %s: %s", m.Verdict, m.Name, m.Reason)
		switch {
		case m.Name == "p50(recalc)":
			assert.Equal(t, Regression, m.Verdict, m.Reason)
			// The median recalc is the delay plus a loopback answer; the
			// base's median is at most its p90.
			assert.GreaterOrEqual(t, m.Diff, float64(delay-p90), m.Reason)
			assert.Less(t, m.Diff, float64(delay+p90), m.Reason)
		case m.Name == "p50(session)":
			assert.Equal(t, Regression, m.Verdict, m.Reason)
			assert.GreaterOrEqual(t, m.Diff, float64(delay-p90), m.Reason)
		case m.Step == "search" || m.Kind == KindErrors:
			assert.NotEqual(t, Regression, m.Verdict, "%s: %s", m.Name, m.Reason)
		}
	}
}

func TestFromLoad(t *testing.T) {
	s := (&load.Summary{Scenario: "checkout", AskedRate: 40, Duration: 10 * time.Second,
		Steps: []load.StepMetrics{{Name: "retail", Requests: 10, Unexpected: 2}}}).Record()
	r, err := FromLoad(s)
	require.NoError(t, err)
	assert.Equal(t, &Run{Scenario: "checkout", Rate: 40, Duration: 10 * time.Second,
		Series: []Series{{Name: "retail", Requests: 10, Errors: 2}}}, r)

	s.Steps[0].Histogram = "bm90IGEgaGlzdG9ncmFt"
	_, err = FromLoad(s)
	assert.ErrorContains(t, err, "series retail: decode histogram")
}
