package compare

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var steps = []string{"search", "recalc", "hold", "retail", "session"}

// newHist has the geometry of the load summary's histograms.
func newHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(int64(time.Microsecond), int64(10*time.Minute), 3)
}

// draw is a latency distribution with a tail: 2 ms plus an exponential of
// mean 3 ms, one request in 200 stalled 40 to 120 ms.
func draw(r *rand.Rand) time.Duration {
	v := 2e6 + r.ExpFloat64()*3e6
	if r.Float64() < 0.005 {
		v = 40e6 + r.Float64()*80e6
	}
	return time.Duration(v)
}

// fakeRun measures n samples per series, each an error with probability
// errRate; shift adds a delay to the named series, errShift to its error
// probability.
func fakeRun(seed uint64, n int, errRate float64, shift map[string]time.Duration, errShift map[string]float64) *Run {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	run := &Run{Scenario: "checkout", Target: "http://127.0.0.1:1", Rate: 40, Duration: 10 * time.Second}
	for _, name := range steps {
		s := Series{Name: name, Hist: newHist(), Requests: uint64(n)}
		for range n {
			d := draw(r) + shift[name]
			_ = s.Hist.RecordValue(int64(d))
			s.Max = max(s.Max, d)
			if r.Float64() < errRate+errShift[name] {
				s.Errors++
			}
		}
		run.Series = append(run.Series, s)
	}
	return run
}

// noBounds makes every default metric judged on significance alone.
func noBounds() []Threshold {
	var ts []Threshold
	for _, s := range steps {
		for _, q := range defaultQuantiles() {
			ts = append(ts, Threshold{Metric: q, Step: s, Relative: true}, Threshold{Metric: q, Step: s})
		}
		ts = append(ts, Threshold{Metric: "errors", Step: s})
	}
	return append(ts, Threshold{Metric: "errors"})
}

func verdicts(res *Result) map[string]Verdict {
	out := map[string]Verdict{}
	for _, m := range res.Metrics {
		out[m.Name] = m.Verdict
	}
	return out
}

func metric(t *testing.T, res *Result, name string) Metric {
	t.Helper()
	for _, m := range res.Metrics {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no metric %s", name)
	return Metric{}
}

// TestSameDistributionNotFlagged: pairs of runs drawn from one
// distribution are never flagged, either way, even with every bound at
// zero: significance alone keeps sampling noise out.
func TestSameDistributionNotFlagged(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		base := fakeRun(seed, 8000, 0.01, nil, nil)
		newer := fakeRun(seed+1000, 8000, 0.01, nil, nil)
		res, err := Compare(base, newer, WithThresholds(noBounds()...))
		require.NoError(t, err)
		assert.False(t, res.Regression, "seed %d", seed)
		assert.Len(t, res.Metrics, len(steps)*4+1)
		for _, m := range res.Metrics {
			assert.Equal(t, OK, m.Verdict, "seed %d %s: %s", seed, m.Name, m.Reason)
		}
		assert.Empty(t, res.Warnings)
	}
}

// TestShiftFlagged: a delay added to one step is flagged on that step
// only, with the right sign and size; the other way round it is an
// improvement.
func TestShiftFlagged(t *testing.T) {
	const delay = 20 * time.Millisecond
	slow := map[string]time.Duration{"retail": delay}
	for _, tt := range []struct {
		name      string
		base, new *Run
		want      Verdict
		sign      float64
	}{
		{"slower", fakeRun(1, 8000, 0, nil, nil), fakeRun(2, 8000, 0, slow, nil), Regression, 1},
		{"faster", fakeRun(1, 8000, 0, slow, nil), fakeRun(2, 8000, 0, nil, nil), Improvement, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Compare(tt.base, tt.new)
			require.NoError(t, err)
			assert.Equal(t, tt.want == Regression, res.Regression)
			for _, m := range res.Metrics {
				if m.Step != "retail" || m.Kind != KindLatency {
					assert.Equal(t, OK, m.Verdict, "%s: %s", m.Name, m.Reason)
					continue
				}
				assert.Equal(t, tt.want, m.Verdict, "%s: %s", m.Name, m.Reason)
				assert.InDelta(t, tt.sign*float64(delay), m.Diff, float64(2*time.Millisecond), m.Name)
				assert.Contains(t, m.Reason, "significant")
				// The intervals hold the estimates and do not overlap.
				assert.LessOrEqual(t, m.BaseLow, m.Base)
				assert.LessOrEqual(t, m.Base, m.BaseHigh)
				assert.LessOrEqual(t, m.NewLow, m.New)
				assert.LessOrEqual(t, m.New, m.NewHigh)
				if tt.sign > 0 {
					assert.Greater(t, m.NewLow, m.BaseHigh)
				} else {
					assert.Less(t, m.NewHigh, m.BaseLow)
				}
			}
		})
	}
}

// TestBoundsDecide: a significant change within its bound is not a
// regression; a bound set by the user is the one applied.
func TestBoundsDecide(t *testing.T) {
	// +1 ms on a 4 ms median is +25%, significant, but under the 5 ms
	// floor: not a regression by default.
	small := map[string]time.Duration{"recalc": time.Millisecond}
	base, newer := fakeRun(1, 20_000, 0, nil, nil), fakeRun(2, 20_000, 0, small, nil)
	res, err := Compare(base, newer)
	require.NoError(t, err)
	p50 := metric(t, res, "p50(recalc)")
	assert.Equal(t, OK, p50.Verdict)
	assert.Contains(t, p50.Reason, "significant (")
	assert.Contains(t, p50.Reason, "but within +20% and +5ms")
	assert.False(t, res.Regression)

	// Without the floor it is one.
	ts, err := ParseThresholds([]string{"p50(recalc)+0ms"})
	require.NoError(t, err)
	res, err = Compare(base, newer, WithThresholds(ts...))
	require.NoError(t, err)
	assert.Equal(t, Regression, metric(t, res, "p50(recalc)").Verdict)
	assert.True(t, res.Regression)

	// A relative bound above the change keeps it ok.
	ts, err = ParseThresholds([]string{"p50(recalc)+0ms", "p50(recalc)+50%"})
	require.NoError(t, err)
	res, err = Compare(base, newer, WithThresholds(ts...))
	require.NoError(t, err)
	assert.Equal(t, OK, metric(t, res, "p50(recalc)").Verdict)
}

// TestTooFewSamplesNotJudged: 100 samples cannot bound a p99 at 99%, so a
// huge shift there is not judged, while the median is.
func TestTooFewSamplesNotJudged(t *testing.T) {
	slow := map[string]time.Duration{"hold": 50 * time.Millisecond}
	res, err := Compare(fakeRun(1, 100, 0, nil, nil), fakeRun(2, 100, 0, slow, nil))
	require.NoError(t, err)
	p99 := metric(t, res, "p99(hold)")
	assert.Equal(t, NotJudged, p99.Verdict)
	assert.Contains(t, p99.Reason, "too few samples: p99 needs at least 528 per run at 99% confidence (BASE 100, NEW 100)")
	assert.Zero(t, p99.BaseHigh, "no upper bound exists")
	assert.Equal(t, Regression, metric(t, res, "p50(hold)").Verdict)
	assert.True(t, res.Regression)

	// A step only one run has is not judged either.
	only := fakeRun(3, 1000, 0, nil, nil)
	only.Series = only.Series[:4]
	res, err = Compare(only, fakeRun(4, 1000, 0, nil, nil))
	require.NoError(t, err)
	m := metric(t, res, "p50(session)")
	assert.Equal(t, NotJudged, m.Verdict)
	assert.Equal(t, "no samples in BASE", m.Reason)
	assert.Equal(t, NotJudged, metric(t, res, "errors(session)").Verdict)
	assert.Contains(t, res.Warnings, "session ran only in NEW")
}

func TestErrorRateRegression(t *testing.T) {
	more := map[string]float64{"retail": 0.03}
	res, err := Compare(fakeRun(1, 10_000, 0.005, nil, nil), fakeRun(2, 10_000, 0.005, nil, more))
	require.NoError(t, err)
	v := verdicts(res)
	assert.Equal(t, Regression, v["errors(retail)"])
	assert.Equal(t, Regression, v["errors"], "over every step: 0.5% to 1.1%")
	for _, s := range []string{"search", "recalc", "hold", "session"} {
		assert.Equal(t, OK, v["errors("+s+")"], s)
	}
	m := metric(t, res, "errors(retail)")
	assert.InDelta(t, 0.03, m.Diff, 0.006)
	assert.Contains(t, m.Reason, "z-test")
	assert.True(t, res.Regression)

	// The same rise under a bound of 5 points is within it.
	ts, err := ParseThresholds([]string{"errors(retail)+5%"})
	require.NoError(t, err)
	res, err = Compare(fakeRun(1, 10_000, 0.005, nil, nil), fakeRun(2, 10_000, 0.005, nil, more), WithThresholds(ts...))
	require.NoError(t, err)
	assert.Equal(t, OK, metric(t, res, "errors(retail)").Verdict)
}

func TestUnlikeRuns(t *testing.T) {
	base, newer := fakeRun(1, 1000, 0, nil, nil), fakeRun(2, 1000, 0, nil, nil)
	newer.Scenario = "read-only"
	_, err := Compare(base, newer)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrUnlike))
	assert.Contains(t, err.Error(), `BASE ran scenario "checkout", NEW "read-only"`)

	newer.Rate, newer.Duration, newer.Target = 20, 30*time.Second, "http://127.0.0.1:2"
	res, err := Compare(base, newer, WithForce(true))
	require.NoError(t, err)
	require.Len(t, res.Warnings, 4)
	assert.Contains(t, res.Warnings[0], "different scenarios")
	assert.Contains(t, res.Warnings[1], "different rates: BASE 40 sessions/s, NEW 20")
	assert.Contains(t, res.Warnings[2], "different durations: BASE 10s, NEW 30s")
	assert.Contains(t, res.Warnings[3], "different targets")

	for _, c := range []float64{0, 0.4, 1, 1.5} {
		_, err := Compare(base, base, WithConfidence(c))
		assert.ErrorContains(t, err, "confidence", "%g", c)
	}
	res, err = Compare(base, base, WithConfidence(0.95))
	require.NoError(t, err)
	assert.Contains(t, res.Method, "95% confidence")
}

func TestContractDiff(t *testing.T) {
	base, newer := fakeRun(1, 1000, 0, nil, nil), fakeRun(2, 1000, 0, nil, nil)
	res, err := Compare(base, newer)
	require.NoError(t, err)
	assert.Nil(t, res.Contract, "no contract part in either run")

	base.Rules = map[string]bool{"G1": true, "G2": true, "G10": true, "C3": false, "C4": false, "S1": true}
	newer.Rules = map[string]bool{"G1": true, "G2": false, "G10": false, "C3": true, "C4": false, "H2": false, "H1": true}
	res, err = Compare(base, newer)
	require.NoError(t, err)
	assert.Equal(t, &ContractDiff{
		Regressed:    []string{"G2", "G10"},
		Fixed:        []string{"C3"},
		StillFailing: []string{"C4"},
		NewlyFailing: []string{"H2"},
		Unverified:   []string{"S1"},
	}, res.Contract)
	assert.True(t, res.Regression, "a rule that passed and now fails is a regression")

	newer.Rules["G2"], newer.Rules["G10"] = true, true
	res, err = Compare(base, newer)
	require.NoError(t, err)
	assert.False(t, res.Regression)

	newer.Rules = nil
	res, err = Compare(base, newer)
	require.NoError(t, err)
	assert.Contains(t, res.Warnings, "only one run has contract results: rules are compared against none")
	assert.Len(t, res.Contract.Unverified, 6)
}

// BenchmarkCompare compares two runs of 10k and of 1M requests each
// (histograms filled beforehand): time and memory depend on the
// histograms' geometry, not on how many requests they hold.
func BenchmarkCompare(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("requests=%d", n), func(b *testing.B) {
			base := fakeRun(1, n/len(steps), 0.01, nil, nil)
			newer := fakeRun(2, n/len(steps), 0.01, map[string]time.Duration{"retail": 10 * time.Millisecond}, nil)
			b.ReportAllocs()
			for b.Loop() {
				res, err := Compare(base, newer)
				if err != nil || !res.Regression {
					b.Fatal(err, res)
				}
			}
		})
	}
}

func TestFormatting(t *testing.T) {
	assert.Equal(t, "+18200%", relPct(182))
	assert.Equal(t, "-41.7%", relPct(-0.417))
	assert.Equal(t, "22.1ms", fmtNs(22_134_567))
	assert.Equal(t, "-547µs", signedNs(-547_123))
	assert.Equal(t, "+0s", signedNs(0))
}

// BenchmarkCompareEncoded is the path of a comparison of two run records:
// decode every stored histogram, then compare. Decoding allocates by the
// histograms' geometry, not by their counts.
func BenchmarkCompareEncoded(b *testing.B) {
	encode := func(r *Run) []string {
		var out []string
		for _, s := range r.Series {
			enc, err := s.Hist.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, string(enc))
		}
		return out
	}
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("requests=%d", n), func(b *testing.B) {
			base := fakeRun(1, n/len(steps), 0.01, nil, nil)
			newer := fakeRun(2, n/len(steps), 0.01, map[string]time.Duration{"retail": 10 * time.Millisecond}, nil)
			encBase, encNew := encode(base), encode(newer)
			b.ReportAllocs()
			for b.Loop() {
				for _, side := range []struct {
					r   *Run
					enc []string
				}{{base, encBase}, {newer, encNew}} {
					for i, e := range side.enc {
						h, err := hdrhistogram.Decode([]byte(e))
						if err != nil {
							b.Fatal(err)
						}
						side.r.Series[i].Hist = h
					}
				}
				res, err := Compare(base, newer)
				if err != nil || !res.Regression {
					b.Fatal(err, res)
				}
			}
		})
	}
}
