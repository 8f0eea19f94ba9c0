package load

import (
	"fmt"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	runrec "loyalcheck/reports/record"
)

// Latency percentiles come from an HDR histogram, not from vegeta's
// t-digest: near a knee in the distribution (a small share of stalled
// requests) the t-digest's p99.9 was measured off by up to 2x, while an HDR
// histogram with 3 significant digits is within 0.1% by construction (see
// TestQuantileAccuracy).
const (
	minTrackable = int64(time.Microsecond)
	maxTrackable = int64(10 * time.Minute)
	sigFigs      = 3
)

// histogram records latencies; it is not safe for concurrent use.
type histogram struct {
	h     *hdrhistogram.Histogram
	sum   time.Duration
	count int64
	min   time.Duration
	max   time.Duration
}

func newHistogram() *histogram {
	return &histogram{h: hdrhistogram.New(minTrackable, maxTrackable, sigFigs)}
}

func (h *histogram) record(d time.Duration) {
	if h.count == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.count++
	h.sum += d
	v := int64(d)
	// Values outside the trackable range are clamped, never dropped, so
	// counts stay exact; min and max above keep the true extremes.
	v = max(minTrackable, min(v, maxTrackable))
	_ = h.h.RecordValue(v)
}

func (h *histogram) quantile(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	return time.Duration(h.h.ValueAtPercentile(q * 100))
}

// encode exports the whole distribution in HdrHistogram's standard
// compressed, base64 encoding (readable by every HdrHistogram library), so a
// run can be re-analysed, merged or compared later without its raw results.
// It runs once at the end of a run, never on the hot path. An empty
// histogram, or one that failed to encode, exports as "": a reader then
// knows the distribution was not recorded rather than reading a wrong one.
func (h *histogram) encode() string {
	if h.count == 0 {
		return ""
	}
	b, err := h.h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return ""
	}
	return string(b)
}

// DecodeHistogram reads a histogram exported in a summary (StepMetrics.
// Histogram). Its values are latencies in nanoseconds, clamped to the
// trackable range 1µs..10min; quantiles read from it match the summary's
// once capped at the step's Latency.Max, as the summary caps them.
func DecodeHistogram(s string) (*hdrhistogram.Histogram, error) {
	if s == "" {
		return nil, fmt.Errorf("decode histogram: none recorded")
	}
	h, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return h, nil
}

func (h *histogram) summary() Latency {
	if h.count == 0 {
		return Latency{}
	}
	clampTop := func(d time.Duration) time.Duration { return min(d, h.max) }
	return Latency{
		Count: h.count,
		Min:   h.min,
		Mean:  h.sum / time.Duration(h.count),
		P50:   clampTop(h.quantile(0.50)),
		P90:   clampTop(h.quantile(0.90)),
		P95:   clampTop(h.quantile(0.95)),
		P99:   clampTop(h.quantile(0.99)),
		P999:  clampTop(h.quantile(0.999)),
		Max:   h.max,
	}
}

func ms(d time.Duration) float64 { return runrec.Millis(d) }
