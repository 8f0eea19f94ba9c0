package load

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestQuantileAccuracy compares the HDR histogram and vegeta's t-digest
// with exact quantiles on latency mixtures with a knee: most requests fast,
// a small share stalled. The HDR histogram must stay within 1% everywhere;
// the t-digest's error is logged, as the reason HDR is used for reports.
func TestQuantileAccuracy(t *testing.T) {
	for _, stall := range []float64{0.0008, 0.0012, 0.008, 0.012} {
		r := rand.New(rand.NewPCG(7, uint64(stall*1e4)))
		const n = 100_000
		xs := make([]float64, n)
		h := newHistogram()
		var td vegeta.LatencyMetrics
		for i := range xs {
			v := r.ExpFloat64()*2e6 + 1e6
			if r.Float64() < stall {
				v = 50e6 + r.Float64()*150e6
			}
			xs[i] = v
			h.record(time.Duration(v))
			td.Add(time.Duration(v))
		}
		sort.Float64s(xs)
		for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
			exact := xs[int(math.Ceil(q*n))-1]
			hdr := float64(h.quantile(q))
			tdv := float64(td.Quantile(q))
			hdrErr := math.Abs(hdr-exact) / exact
			tdErr := math.Abs(tdv-exact) / exact
			assert.Less(t, hdrErr, 0.01, "stall %.4f q %.3f: hdr %.0f exact %.0f", stall, q, hdr, exact)
			if tdErr > 0.05 {
				t.Logf("stall %.4f q %.3f: t-digest off by %.0f%% (hdr %.2f%%)", stall, q, tdErr*100, hdrErr*100)
			}
		}
	}
}

func TestHistogramSummary(t *testing.T) {
	h := newHistogram()
	assert.Equal(t, Latency{}, h.summary())
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	h.record(0) // below the trackable range: clamped, still counted
	s := h.summary()
	assert.EqualValues(t, 1001, s.Count)
	assert.Equal(t, time.Duration(0), s.Min)
	assert.Equal(t, time.Second, s.Max)
	assert.InEpsilon(t, 500e6, float64(s.P50), 0.01)
	assert.InEpsilon(t, 990e6, float64(s.P99), 0.01)
	assert.LessOrEqual(t, s.P999, s.Max)
}

func TestScheduleMatchesPacer(t *testing.T) {
	// A constant pacer at 50/s schedules exactly 50 starts a second, at
	// 20ms intervals, whatever the engine's own lateness.
	s := schedule{pacer: vegeta.Rate{Freq: 50, Per: time.Second}}
	var prev time.Duration
	for i := 0; i < 200; i++ {
		due, ok := s.next()
		assert.True(t, ok)
		if i > 0 {
			assert.Equal(t, 20*time.Millisecond, due-prev, "start %d", i)
		}
		prev = due
	}
	assert.EqualValues(t, 100, expectedStarts(vegeta.Rate{Freq: 50, Per: time.Second}, 2*time.Second))
	lin := vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: 10, Per: time.Second}, Slope: 10}
	// 10/s rising to 30/s over 2s: 40 starts in all, give or take one.
	assert.InDelta(t, 40, float64(expectedStarts(lin, 2*time.Second)), 1)
}
