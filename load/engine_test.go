package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"loyalcheck/api"
	"loyalcheck/sandbox"
	"loyalcheck/scenarios"
)

// target serves a sandbox through wrap on a loopback httptest server.
func target(t testing.TB, wrap func(http.Handler) http.Handler, opts ...sandbox.Option) (*api.Client, *api.Fixtures, *sandbox.Server) {
	t.Helper()
	srv, err := sandbox.New(append([]sandbox.Option{sandbox.WithDB(sandbox.MemoryDB), sandbox.WithClients(40)}, opts...)...)
	require.NoError(t, err)
	var h http.Handler = srv.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		srv.Close()
	})
	c, err := api.NewClient(ts.URL, api.WithAPIKey(api.SandboxAPIKey), api.WithTimeout(5*time.Second))
	require.NoError(t, err)
	return c, srv.Fixtures(), srv
}

func scenario(t *testing.T, name string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Load(name)
	require.NoError(t, err)
	return s
}

func delayed(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(d)
			next.ServeHTTP(w, r)
		})
	}
}

// timings are durations the test measures itself, apart from the harness.
type timings struct {
	mu sync.Mutex
	d  []time.Duration
}

func (t *timings) add(d time.Duration) {
	t.mu.Lock()
	t.d = append(t.d, d)
	t.mu.Unlock()
}

func (t *timings) n() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.d)
}

// at returns quantile q at the rank the harness's HDR histograms take.
func (t *timings) at(q float64) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	xs := append([]time.Duration{}, t.d...)
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	return xs[rank(q, len(xs))-1]
}

// TestFixedDelayPercentiles: a target that takes a fixed delay per request.
// The harness's percentiles are compared with what the test measures in
// the handler on the same requests, not with the delay: on a busy machine
// a sleep overshoots, and that is the target's latency too. Each request's
// time in the handler lies within the harness's measure, so every
// percentile is at least the handler's. And at the median the harness adds
// less than one more request on top (which is what counting queueing,
// think time or another step would add): loopback and decoding, which a
// busy machine may stretch in the tail, so the tail is bounded from below
// only.
func TestFixedDelayPercentiles(t *testing.T) {
	const delay = 100 * time.Millisecond
	recalc := api.EpRecalc.Path()
	var handler timings
	c, fx, _ := target(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t0 := time.Now()
			time.Sleep(delay)
			next.ServeHTTP(w, r)
			if r.URL.Path == recalc {
				handler.add(time.Since(t0))
			}
		})
	})
	sum, err := Run(context.Background(), c, fx, scenario(t, "read-only"),
		WithRate(scenarios.Rate{Freq: 40, Per: time.Second}), WithDuration(2*time.Second))
	require.NoError(t, err)

	m, ok := sum.Step("recalc")
	require.True(t, ok)
	// Only the load's sessions recalc: both measures count the same
	// requests.
	assert.EqualValues(t, 80, sum.Sessions.Started)
	require.EqualValues(t, m.Requests, handler.n())
	assert.Equal(t, 1.0, m.Success)
	l := m.Latency
	assert.GreaterOrEqual(t, l.Min, delay)
	for _, q := range []struct {
		q    float64
		name string
	}{{0.5, "50"}, {0.9, "90"}, {0.99, "99"}} {
		got, _ := l.Quantile(q.name)
		assert.GreaterOrEqual(t, got, handler.at(q.q), "p%s: never below the handler's", q.name)
	}
	assert.Less(t, l.P50, handler.at(0.5)+delay, "p50: the handler plus loopback and decoding, not one request more")
	assert.True(t, sum.Ledger.Passed(), "%+v", sum.Ledger)
	assert.Zero(t, sum.Sessions.Dropped)
	// Starts are counted by the schedule, late or not.
	assert.InDelta(t, 40, sum.AskedRate, 0.5)
	assert.InDelta(t, 40, sum.AchievedRate, 1e-9)
}

// stalling blocks every request during the first stall of each period,
// like a server in a GC pause or a lock convoy.
func stalling(period, stall time.Duration) func(http.Handler) http.Handler {
	start := time.Now()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if into := time.Since(start) % period; into < stall {
				time.Sleep(stall - into)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// TestStallsShowInSessionLatency: a tester that waits for the stalled
// answer before sending more would record one slow sample per stall
// (coordinated omission). Sessions here start on schedule whatever the
// target does and their latency counts from the scheduled start, so the
// share of slow sessions matches the share of time the target stalls.
func TestStallsShowInSessionLatency(t *testing.T) {
	const period, stall = time.Second, 300 * time.Millisecond
	c, fx, _ := target(t, stalling(period, stall))
	dir := t.TempDir()
	sf, err := CreateResults(filepath.Join(dir, "sessions.bin"))
	require.NoError(t, err)
	sum, err := Run(context.Background(), c, fx, scenario(t, "read-only"),
		WithRate(scenarios.Rate{Freq: 50, Per: time.Second}), WithDuration(3*time.Second), WithSessionResults(sf.Encode))
	require.NoError(t, err)
	require.NoError(t, sf.Close())

	assert.Greater(t, sum.Session.Latency.P90, stall/3, "p90 of sessions must show the stalls")
	assert.GreaterOrEqual(t, sum.Session.Latency.Max, stall/2)

	// Read the sessions back: they started on the pacer's schedule (20 ms
	// apart) during the stalls too, and about stall/period of them are slow.
	var sessions []vegeta.Result
	readResults(t, filepath.Join(dir, "sessions.bin"), func(r *vegeta.Result) {
		require.Equal(t, sessionAttack, r.Attack)
		sessions = append(sessions, *r)
	})
	require.Len(t, sessions, int(sum.Sessions.Started))
	sort.Slice(sessions, func(i, j int) bool { return sessions[i].Seq < sessions[j].Seq })
	slow := 0
	for i, s := range sessions {
		if s.Latency > 50*time.Millisecond {
			slow++
		}
		if i > 0 {
			assert.Equal(t, 20*time.Millisecond, s.Timestamp.Sub(sessions[i-1].Timestamp), "session %d not on schedule", i)
		}
	}
	share := float64(slow) / float64(len(sessions))
	assert.Greater(t, share, 0.6*float64(stall)/float64(period), "share of slow sessions %.2f", share)
}

// stallOnce holds every request for the stall that starts at the n-th
// request the target sees: a target (or a machine) that hangs once.
func stallOnce(n int64, stall time.Duration) func(http.Handler) http.Handler {
	var seen atomic.Int64
	var until atomic.Int64 // unix ns
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if seen.Add(1) == n {
				until.Store(time.Now().Add(stall).UnixNano())
			}
			if d := time.Until(time.Unix(0, until.Load())); d > 0 {
				time.Sleep(d)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// TestRecoversFromAStall: a target that sustains the rate stalls once for
// 300 ms. Sessions pile up meanwhile and their requests wait for a
// connection; the run must not spiral into more dials and more latency:
// nothing is dropped, the stall shows in the latency of the sessions
// scheduled during it (counted from their scheduled start), and once it
// ends the backlog clears and sessions are fast again.
func TestRecoversFromAStall(t *testing.T) {
	const rate, stall = 200, 300 * time.Millisecond
	// The 40 setup searches, then about a second of the run.
	c, fx, _ := target(t, stallOnce(40+rate, stall))
	sc, err := scenarios.Parse([]byte(`
name: search-only
load: {rate: 200/1s, duration: 3s, max_in_flight: 2000}
flows:
  - name: search
    weight: 1
    steps: [{op: search}]
`), "search-only.yaml")
	require.NoError(t, err)
	var sessions []vegeta.Result
	var mu sync.Mutex
	sum, err := Run(context.Background(), c, fx, sc, WithSessionResults(func(r *vegeta.Result) error {
		mu.Lock()
		sessions = append(sessions, *r)
		mu.Unlock()
		return nil
	}))
	require.NoError(t, err)
	assert.Zero(t, sum.Sessions.Dropped, "dropped")
	assert.Zero(t, sum.Sessions.Failed, "failed")
	assert.Equal(t, sum.Sessions.Scheduled, sum.Sessions.Completed)
	// The session whose request began the stall waited all of it.
	assert.GreaterOrEqual(t, sum.Session.Latency.Max, stall)

	sort.Slice(sessions, func(i, j int) bool { return sessions[i].Seq < sessions[j].Seq })
	var stalled time.Time
	slow := 0
	for _, s := range sessions {
		if s.Latency >= stall/2 {
			if stalled.IsZero() {
				stalled = s.Timestamp
			}
			slow++
		}
	}
	// Those scheduled in the stall's first half waited at least its
	// second half: about rate x stall/2 of them.
	assert.GreaterOrEqual(t, slow, rate*int(stall/time.Millisecond)/2000*3/4, "sessions that show the stall")
	var after []time.Duration
	for _, s := range sessions {
		if s.Timestamp.After(stalled.Add(stall + time.Second)) {
			after = append(after, s.Latency)
		}
	}
	require.NotEmpty(t, after, "no session scheduled a second after the stall")
	sort.Slice(after, func(i, j int) bool { return after[i] < after[j] })
	assert.Less(t, after[len(after)/2], stall/2, "sessions a second after the stall are still slow: the run did not recover")
}

func readResults(t *testing.T, path string, f func(*vegeta.Result)) {
	t.Helper()
	in, err := os.Open(path)
	require.NoError(t, err)
	defer in.Close()
	dec := vegeta.DecoderFor(bufio.NewReader(in))
	require.NotNil(t, dec)
	for {
		var r vegeta.Result
		err := dec.Decode(&r)
		if errors.Is(err, io.EOF) {
			return
		}
		require.NoError(t, err)
		f(&r)
	}
}

// TestResultsFileRoundTrip: requests go to one results file and sessions
// to another, both read by vegeta's decoder, and vegeta's own metrics over
// the requests' file are the run's totals.
func TestResultsFileRoundTrip(t *testing.T) {
	c, fx, _ := target(t, nil)
	dir := t.TempDir()
	path, spath := filepath.Join(dir, "results.bin"), filepath.Join(dir, "sessions.bin")
	rf, err := CreateResults(path)
	require.NoError(t, err)
	sf, err := CreateResults(spath)
	require.NoError(t, err)
	sum, err := Run(context.Background(), c, fx, scenario(t, "checkout"),
		WithRate(scenarios.Rate{Freq: 30, Per: time.Second}), WithDuration(2*time.Second),
		WithResults(rf.Encode), WithSessionResults(sf.Encode))
	require.NoError(t, err)
	require.NoError(t, rf.Close())
	require.NoError(t, sf.Close())

	counts := map[string]uint64{}
	seqs := map[string][]uint64{}
	var vm vegeta.Metrics
	readResults(t, path, func(r *vegeta.Result) {
		counts[r.Attack]++
		seqs[r.Attack] = append(seqs[r.Attack], r.Seq)
		assert.Nil(t, r.Body, "bodies are never kept")
		assert.Equal(t, http.MethodPost, r.Method)
		vm.Add(r)
	})
	vm.Close()
	readResults(t, spath, func(r *vegeta.Result) {
		counts[r.Attack]++
		seqs[r.Attack] = append(seqs[r.Attack], r.Seq)
		assert.Equal(t, "SESSION", r.Method)
	})
	want := map[string]uint64{sessionAttack: sum.Session.Requests}
	for _, m := range sum.Steps {
		want[m.Name] = m.Requests
	}
	assert.Equal(t, want, counts)
	assertVegetaTotals(t, &vm, sum.Totals())
	for attack, ss := range seqs {
		seen := make([]bool, len(ss))
		for _, s := range ss {
			require.Less(t, s, uint64(len(ss)), "%s: seq %d has gaps", attack, s)
			seen[s] = true
		}
		for i, ok := range seen {
			assert.True(t, ok, "%s: seq %d missing", attack, i)
		}
	}
	// vegeta's own plot accepts both files.
	var plotHTML bytes.Buffer
	require.NoError(t, WritePlot(&plotHTML, "test", path, spath))
	b := plotHTML.Bytes()
	assert.Contains(t, string(b), "retail")
	assert.Contains(t, string(b), sessionAttack)
	assert.True(t, sum.Ledger.Passed(), "%+v", sum.Ledger.Findings)
}

// pairWrites holds each hold and retail until a second one for the same
// client arrives (or 300 ms pass), then lets both go at once: the two
// overlap however the machine schedules the load, as they would on a
// target under real contention.
func pairWrites(next http.Handler) http.Handler {
	var mu sync.Mutex
	waiting := map[string]chan struct{}{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == api.EpHold.Path() || r.URL.Path == api.EpRetail.Path() {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var req struct {
				Client string `json:"client"`
			}
			_ = json.Unmarshal(body, &req)
			mu.Lock()
			if ch, ok := waiting[req.Client]; ok {
				delete(waiting, req.Client)
				close(ch)
				mu.Unlock()
			} else {
				ch := make(chan struct{})
				waiting[req.Client] = ch
				mu.Unlock()
				select {
				case <-ch:
				case <-time.After(300 * time.Millisecond):
					mu.Lock()
					if waiting[req.Client] == ch {
						delete(waiting, req.Client)
					}
					mu.Unlock()
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// holdPairs holds most of a hot client's balance and releases it: under
// pairWrites two such holds race, and two accepted holds of 80% each are a
// proof of overdraw whatever the timing. A retail's earn, counted by the
// ledger from the moment it was asked for, would give an overdraw the
// benefit of the doubt for as long as the retail was in flight: on a busy
// machine, long enough to hide every race of hold-contention (the target's
// searches showed negative balances; the ledger could prove none).
func holdPairs(t *testing.T) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse([]byte(`
name: hold-pairs
load: {rate: 60/1s, duration: 2s}
clients: {pick: hot, hot: 3, hot_share: 1, type: cashback}
receipt: {dist: uniform, min: 100000, max: 200000}
flows:
  - name: hold-and-release
    weight: 1
    steps:
      - op: search
      - op: recalc
      - op: hold
        hold: part
        fraction: 0.8
      - op: release
        think: {min: 300ms, max: 500ms}
`), "hold-pairs.yaml")
	require.NoError(t, err)
	return sc
}

func TestRacyServerCaughtByLedger(t *testing.T) {
	sc := scenario(t, "hold-contention")
	opts := []Option{WithRate(scenarios.Rate{Freq: 60, Per: time.Second}), WithDuration(2 * time.Second)}

	t.Run("racy", func(t *testing.T) {
		c, fx, _ := target(t, pairWrites, sandbox.WithFaults("racy-debit"))
		sum, err := Run(context.Background(), c, fx, holdPairs(t), opts...)
		require.NoError(t, err)
		require.NotEmpty(t, sum.Ledger.Findings, "a check-then-debit race must show in the ledger")
		rules := map[string]bool{}
		for _, f := range sum.Ledger.Findings {
			rules[f.Rule] = true
			assert.NotEmpty(t, f.Ops)
		}
		assert.True(t, rules["L1"] || rules["L2"], "%v", rules)
		assert.True(t, sum.Failed())
	})
	t.Run("correct", func(t *testing.T) {
		c, fx, srv := target(t, nil)
		sum, err := Run(context.Background(), c, fx, sc, opts...)
		require.NoError(t, err)
		assert.Empty(t, sum.Ledger.Findings)
		assert.False(t, sum.Failed())
		require.NotNil(t, sum.Contention)
		ct := sum.Contention
		assert.Equal(t, 3, ct.HotClients)
		assert.Greater(t, ct.HoldsAccepted+ct.SpendsAccepted, uint64(0))
		assert.Greater(t, ct.HoldsRefused+ct.SpendsRefused, uint64(0), "hot clients must run out of points")
		assert.NotEmpty(t, ct.Hot)
		// The server's own books agree with the ledger.
		rows, err := srv.Audit(context.Background())
		require.NoError(t, err)
		for _, r := range rows {
			assert.True(t, r.Consistent(), "%+v", r)
		}
	})
}

func TestViolationsUnderLoadAreNotSuccess(t *testing.T) {
	c, fx, _ := target(t, nil, sandbox.WithFaults("photo-number"))
	sum, err := Run(context.Background(), c, fx, scenario(t, "read-only"),
		WithRate(scenarios.Rate{Freq: 20, Per: time.Second}), WithDuration(time.Second))
	require.NoError(t, err)
	m, _ := sum.Step("search")
	require.Greater(t, m.Requests, uint64(0))
	assert.Less(t, m.Success, 1.0, "a 200 with a wrong body is not a success")
	assert.Equal(t, m.Requests, m.Violations+m.OK)
	found := false
	for _, v := range sum.Violations {
		if v.Step == "search" && v.Rule == "S6" {
			found = true
			assert.Contains(t, v.Example, "photo")
		}
	}
	assert.True(t, found, "%+v", sum.Violations)
	assert.True(t, sum.Failed())

	// With validation off no schema runs, yet decoding still catches the
	// mistyped field: a wrong type is never hidden.
	sum, err = Run(context.Background(), c, fx, scenario(t, "read-only"),
		WithRate(scenarios.Rate{Freq: 20, Per: time.Second}), WithDuration(time.Second), WithValidateFraction(0))
	require.NoError(t, err)
	assert.Zero(t, sum.Validation.Validated)
	require.Len(t, sum.Violations, 1)
	assert.Equal(t, "G8", sum.Violations[0].Rule)
	assert.Contains(t, sum.Violations[0].Example, "client.photo")
}

func TestDroppedSessionsAreCounted(t *testing.T) {
	c, fx, _ := target(t, delayed(100*time.Millisecond))
	sum, err := Run(context.Background(), c, fx, scenario(t, "read-only"),
		WithRate(scenarios.Rate{Freq: 50, Per: time.Second}), WithDuration(time.Second), WithMaxInFlight(2))
	require.NoError(t, err)
	s := sum.Sessions
	assert.Greater(t, s.Dropped, uint64(20))
	assert.Equal(t, s.Scheduled, s.Started+s.Dropped)
	assert.LessOrEqual(t, s.PeakFlight, int64(2))
	th, err := ParseThreshold("dropped==0")
	require.NoError(t, err)
	assert.False(t, Evaluate(th, sum).Pass)
}

// TestInterruptStillAudits cancels the run once 15 sessions have started,
// however long the machine took to get there.
func TestInterruptStillAudits(t *testing.T) {
	c, fx, _ := target(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const minute = time.Minute
	sum, err := Run(ctx, c, fx, scenario(t, "checkout"),
		WithRate(scenarios.Rate{Freq: 40, Per: time.Second}), WithDuration(minute), WithDrain(2*time.Second),
		WithProgress(10*time.Millisecond, func(p Progress) {
			if p.Started >= 15 {
				cancel()
			}
		}))
	require.NoError(t, err)
	assert.True(t, sum.Interrupted)
	assert.GreaterOrEqual(t, sum.Sessions.Started, uint64(15))
	assert.Less(t, sum.Sessions.Scheduled, uint64(40*60), "the schedule stopped at the interrupt")
	assert.Less(t, sum.Elapsed, minute, "the run did not go on to its end")
	assert.Equal(t, sum.Sessions.Started, sum.Session.Requests, "every started session is reported")
	assert.Empty(t, sum.Ledger.Skipped)
	assert.True(t, sum.Ledger.Passed(), "%+v", sum.Ledger.Findings)
}

func TestUnreachableTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	c, err := api.NewClient("http://"+addr, api.WithTimeout(time.Second))
	require.NoError(t, err)
	fx := &api.Fixtures{Points: []string{"p"}, Clients: []api.FixtureClient{{Phone: "79200000001"}}}
	_, err = Run(context.Background(), c, fx, scenario(t, "read-only"), WithDuration(time.Second))
	assert.ErrorIs(t, err, ErrUnreachable)

	// A target that refuses the key is as good as unreachable.
	c2, fx2, _ := target(t, nil)
	bad, err := api.NewClient(c2.BaseURL(), api.WithAPIKey("wrong"))
	require.NoError(t, err)
	_, err = Run(context.Background(), bad, fx2, scenario(t, "read-only"), WithDuration(time.Second))
	assert.ErrorIs(t, err, ErrUnreachable)
}

// assertVegetaTotals checks that vegeta's metrics over a results file are
// the run's totals: requests, status codes, bytes and rate exactly; success
// and throughput too when the target refused nothing on purpose and broke
// no rule, since vegeta counts a 2xx as success and loyalcheck a correct
// answer.
func assertVegetaTotals(t *testing.T, vm *vegeta.Metrics, tot StepMetrics) {
	t.Helper()
	require.Greater(t, tot.Requests, uint64(0))
	assert.Equal(t, tot.Requests, vm.Requests)
	assert.Equal(t, tot.StatusCodes, vm.StatusCodes)
	assert.Equal(t, tot.BytesIn, vm.BytesIn.Total)
	assert.Equal(t, tot.BytesOut, vm.BytesOut.Total)
	assert.Equal(t, tot.Latency.Max, vm.Latencies.Max)
	// The file keeps wall-clock times only: rates agree to rounding.
	assert.InEpsilon(t, vm.Rate, tot.Rate, 1e-6)
	assert.Zero(t, tot.Violations)
	if tot.Refused == 0 {
		assert.Equal(t, vm.Success, tot.Success)
		assert.InEpsilon(t, vm.Throughput, tot.Throughput, 1e-6)
	}
}

// TestSummaryCarriesHistograms: after a real run and a JSON round trip,
// every step's and the sessions' stored histogram decodes to the counts and
// quantiles the summary printed.
func TestSummaryCarriesHistograms(t *testing.T) {
	c, fx, _ := target(t, nil)
	sum, err := Run(context.Background(), c, fx, scenario(t, "read-only"),
		WithRate(scenarios.Rate{Freq: 20, Per: time.Second}), WithDuration(time.Second))
	require.NoError(t, err)
	b, err := json.Marshal(sum)
	require.NoError(t, err)
	var back Summary
	require.NoError(t, json.Unmarshal(b, &back))

	require.NotEmpty(t, back.Steps)
	assert.Empty(t, back.Totals().Histogram, "the total is the steps' merge: not stored twice")
	for _, m := range append(back.Steps, back.Session) {
		require.NotZero(t, m.Requests, m.Name)
		h, err := DecodeHistogram(m.Histogram)
		require.NoError(t, err, m.Name)
		assert.EqualValues(t, m.Requests, h.TotalCount(), m.Name)
		for _, q := range []struct {
			pct  float64
			name string
		}{{50, "50"}, {90, "90"}, {95, "95"}, {99, "99"}, {99.9, "99.9"}} {
			want, _ := m.Latency.Quantile(q.name)
			got := min(time.Duration(h.ValueAtPercentile(q.pct)), m.Latency.Max)
			// The summary's JSON holds milliseconds to the microsecond.
			assert.Equal(t, ms(want), ms(got), "%s p%s", m.Name, q.name)
		}
	}
}
