package load

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// TestHistogramExportRoundTrip: the exported histogram decodes to the same
// counts and quantiles the summary reports, values outside the trackable
// range included (clamped, then capped at the true max as the summary is).
func TestHistogramExportRoundTrip(t *testing.T) {
	h := newHistogram()
	assert.Empty(t, h.encode(), "nothing measured: no histogram, not an empty one")
	r := rand.New(rand.NewPCG(3, 4))
	for range 20_000 {
		h.record(time.Duration(r.ExpFloat64()*5e6 + 2e5))
	}
	h.record(0)
	h.record(20 * time.Minute)
	s := h.summary()
	enc := h.encode()
	require.NotEmpty(t, enc)
	d, err := DecodeHistogram(enc)
	require.NoError(t, err)
	assert.Equal(t, s.Count, d.TotalCount())
	for _, name := range []string{"50", "90", "95", "99", "99.9"} {
		want, _ := s.Quantile(name)
		p, err := strconv.ParseFloat(name, 64)
		require.NoError(t, err)
		assert.Equal(t, want, min(time.Duration(d.ValueAtPercentile(p)), s.Max), "p%s", name)
	}

	for _, bad := range []string{"", "not base64!", "aGVsbG8gd29ybGQ=", enc[:len(enc)/2]} {
		_, err := DecodeHistogram(bad)
		assert.Error(t, err, "%.20q", bad)
	}
}
