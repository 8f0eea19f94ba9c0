package compare

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseThreshold(t *testing.T) {
	for _, tt := range []struct {
		expr  string
		want  Threshold
		error string
	}{
		{expr: "p99(retail)+20%", want: Threshold{Metric: "p99", Step: "retail", Relative: true, Value: 0.2}},
		{expr: " p50(session) + 5ms ", want: Threshold{Metric: "p50", Step: "session", Value: 5e6}},
		{expr: "p99.9(hold)+250us", want: Threshold{Metric: "p99.9", Step: "hold", Value: 250e3}},
		{expr: "p90+1s", want: Threshold{Metric: "p90", Step: "session", Value: 1e9}},
		{expr: "errors+0.5%", want: Threshold{Metric: "errors", Value: 0.005}},
		{expr: "errors(retail)+1%", want: Threshold{Metric: "errors", Step: "retail", Value: 0.01}},
		{expr: "p99(retail)+0ms", want: Threshold{Metric: "p99", Step: "retail", Value: 0}},
		{expr: "p99(retal)+20%", error: `unknown step "retal"`},
		{expr: "p75(retail)+20%", error: `percentile "p75" is not measured`},
		{expr: "latency+20%", error: `unknown metric "latency"`},
		{expr: "mean+20%", error: "mean cannot be compared between runs"},
		{expr: "throughput(search)+5%", error: "throughput cannot be compared"},
		{expr: "p99(retail)<300ms", error: "want METRIC[(STEP)]+VALUE"},
		{expr: "p99(retail)-20%", error: "want METRIC[(STEP)]+VALUE"},
		{expr: "p99(retail)+20", error: `unit ""`},
		{expr: "p99(retail)+20parsecs", error: `unit "parsecs"`},
		{expr: "errors+5", error: "percentage points"},
		{expr: "errors+5ms", error: "percentage points"},
		{expr: "errors+150%", error: "at most 100 points"},
		{expr: "p99+9999999999s", error: "out of range"},
		{expr: "+20%", error: "want METRIC[(STEP)]"},
		{expr: "", error: "want METRIC[(STEP)]+VALUE"},
	} {
		t.Run(tt.expr, func(t *testing.T) {
			got, err := ParseThreshold(tt.expr)
			if tt.error != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.error)
				assert.Contains(t, err.Error(), "max-regression", "the error names the flag")
				return
			}
			require.NoError(t, err)
			tt.want.Expr = got.Expr
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := ParseThresholds([]string{"p99+20%", "p99+"})
	assert.Error(t, err)
}

// TestBounds: an expression replaces the default bound of its kind for its
// metric and keeps the other; metrics outside the defaults are added.
func TestBounds(t *testing.T) {
	ts, err := ParseThresholds([]string{"p99(retail)+10%", "p50(session)+1ms", "p99.9(retail)+50%", "errors+1%", "p95(hold)+3ms"})
	require.NoError(t, err)
	keys, bs := bounds([]string{"retail", "session"}, ts)
	def := float64(DefaultAbsolute)
	assert.Equal(t, Bound{0.10, def}, bs[metricKey{"p99", "retail"}])
	assert.Equal(t, Bound{DefaultRelative, 1e6}, bs[metricKey{"p50", "session"}])
	assert.Equal(t, Bound{0.5, def}, bs[metricKey{"p99.9", "retail"}])
	assert.Equal(t, Bound{DefaultRelative, def}, bs[metricKey{"p90", "retail"}])
	assert.Equal(t, Bound{Absolute: 0.01}, bs[metricKey{"errors", ""}])
	assert.Equal(t, Bound{Absolute: DefaultErrors}, bs[metricKey{"errors", "retail"}])
	assert.Equal(t, Bound{DefaultRelative, 3e6}, bs[metricKey{"p95", "hold"}])
	var names []string
	for _, k := range keys {
		names = append(names, k.metric+"("+k.step+")")
	}
	assert.Equal(t, []string{
		"p50(retail)", "p90(retail)", "p99(retail)", "p99.9(retail)", "errors(retail)",
		"p50(session)", "p90(session)", "p99(session)", "errors(session)",
		"p95(hold)", "errors()",
	}, names)
	assert.Equal(t, "+20% and +5ms", Bound{DefaultRelative, float64(5 * time.Millisecond)}.String(KindLatency))
	assert.Equal(t, "+0.1 points", Bound{Absolute: DefaultErrors}.String(KindErrors))
}
