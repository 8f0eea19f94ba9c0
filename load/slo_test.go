package load

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseThreshold(t *testing.T) {
	tests := []struct {
		expr  string
		want  Threshold
		error string
	}{
		{expr: "p99(retail)<300ms", want: Threshold{Metric: "p99", Step: "retail", Op: "<", Limit: 300e6, Unit: "ns"}},
		{expr: " p99.9(session) < 1s ", want: Threshold{Metric: "p99.9", Step: "session", Op: "<", Limit: 1e9, Unit: "ns"}},
		{expr: "errors<0.1%", want: Threshold{Metric: "errors", Op: "<", Limit: 0.001, Unit: "%"}},
		{expr: "violations==0", want: Threshold{Metric: "violations", Op: "==", Limit: 0}},
		{expr: "success(retail)>=99.5%", want: Threshold{Metric: "success", Step: "retail", Op: ">=", Limit: 0.995, Unit: "%"}},
		{expr: "throughput(search)>10/s", want: Threshold{Metric: "throughput", Step: "search", Op: ">", Limit: 10, Unit: "/s"}},
		{expr: "mean<20ms", want: Threshold{Metric: "mean", Op: "<", Limit: 20e6, Unit: "ns"}},
		{expr: "dropped==0", want: Threshold{Metric: "dropped", Op: "==", Limit: 0}},
		{expr: "p99(retal)<300ms", error: `unknown step "retal"`},
		{expr: "p75<300ms", error: `percentile "p75" is not measured`},
		{expr: "latency<3", error: `unknown metric "latency"`},
		{expr: "p99<300parsecs", error: `latency unit "parsecs"`},
		{expr: "p99<<3ms", error: `bad value "<3ms"`},
		{expr: "p99 300ms", error: "want METRIC[(STEP)] OP VALUE"},
		{expr: "success>99", error: "success is a share"},
		{expr: "dropped(retail)==0", error: "takes no step"},
		{expr: "rate>5/min", error: `rate unit "/min"`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, err := ParseThreshold(tt.expr)
			if tt.error != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.error)
				return
			}
			require.NoError(t, err)
			tt.want.Expr = got.Expr
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseThresholdsDedupes(t *testing.T) {
	ts, err := ParseThresholds([]string{"errors<1%", "errors < 1%", "violations==0"})
	require.NoError(t, err)
	assert.Len(t, ts, 2)
}

func TestThresholdEvaluate(t *testing.T) {
	s := &Summary{
		AchievedRate: 19.5,
		Sessions:     Sessions{Scheduled: 100, Dropped: 2},
		Steps: []StepMetrics{
			{Name: "search", Requests: 1000, OK: 990, Unexpected: 10, Success: 0.99, Violations: 1, Throughput: 50, Latency: Latency{P99: 40 * time.Millisecond, Mean: 5 * time.Millisecond}},
			{Name: "retail", Requests: 1000, OK: 1000, Success: 1, Latency: Latency{P99: 250 * time.Millisecond, P999: 900 * time.Millisecond}},
		},
		Session: StepMetrics{Name: "session", Requests: 100, OK: 100, Latency: Latency{P99: 600 * time.Millisecond, P999: 1200 * time.Millisecond, Max: 2 * time.Second}},
	}
	tests := []struct {
		expr     string
		pass     bool
		measured string
	}{
		{"p99(retail)<300ms", true, "250ms"},
		{"p99(retail)<200ms", false, "250ms"},
		{"p99.9(session)<1s", false, "1.2s"},
		{"p99<700ms", true, "600ms"}, // no step: sessions
		{"max<=2s", true, "2s"},
		{"errors<0.1%", false, "0.5%"},
		{"errors<1%", true, "0.5%"},
		{"errors==10", true, "10"},
		{"errors(retail)==0", true, "0"},
		{"violations==0", false, "1"},
		{"violations(retail)==0", true, "0"},
		{"success(search)>=99%", true, "99%"},
		{"dropped==0", false, "2"},
		{"dropped<5%", true, "2%"},
		{"rate>=19/s", true, "19.5/s"},
		{"throughput(search)>60/s", false, "50.0/s"},
		{"p99(hold)<1s", false, ""},
	}
	for _, tt := range tests {
		th, err := ParseThreshold(tt.expr)
		require.NoError(t, err, tt.expr)
		r := th.Evaluate(s)
		assert.Equal(t, tt.pass, r.Pass, tt.expr)
		if tt.measured != "" {
			assert.Equal(t, tt.measured, r.MeasuredText, tt.expr)
		} else {
			assert.NotEmpty(t, r.Note, tt.expr)
		}
	}
}
