package load

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// render writes a parsed threshold back as an expression in base units.
func render(t Threshold) string {
	var b strings.Builder
	b.WriteString(t.Metric)
	if t.Step != "" {
		b.WriteString("(" + t.Step + ")")
	}
	b.WriteString(t.Op)
	switch t.Unit {
	case "ns":
		b.WriteString(strconv.FormatFloat(t.Limit/1e3, 'f', -1, 64) + "us")
	case "%":
		b.WriteString(strconv.FormatFloat(t.Limit*100, 'f', -1, 64) + "%")
	default:
		b.WriteString(strconv.FormatFloat(t.Limit, 'f', -1, 64) + t.Unit)
	}
	return b.String()
}

// FuzzParseThreshold: an accepted SLO expression has a finite,
// non-negative limit, its text parses back to the same threshold, its
// rendering in base units parses back to the same threshold, and it can be
// evaluated. A refused one gets a one-line error.
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{
		"p99(retail)<300ms", " p99.9(session) < 1s ", "errors<0.1%", "violations==0", "success(retail)>=99.5%",
		"throughput(search)>10/s", "mean<20ms", "dropped==0", "max<=2µs", "rate!=5", "p50(hold)>0.5us",
		"p99(retal)<300ms", "p75<300ms", "latency<3", "p99<300parsecs", "p99<<3ms", "p99 300ms",
		"success>99", "dropped(retail)==0", "rate>5/min", "p99<1" + strings.Repeat("0", 400) + "ms", "",
	} {
		f.Add(s)
	}
	sum := &Summary{
		AchievedRate: 19.5,
		Sessions:     Sessions{Scheduled: 100, Dropped: 2},
		Steps:        []StepMetrics{{Name: "search", Requests: 10, OK: 9, Unexpected: 1, Success: 0.9, Latency: Latency{P99: time.Millisecond}}},
		Session:      StepMetrics{Name: "session", Requests: 10, OK: 10, Latency: Latency{P99: 2 * time.Millisecond}},
	}
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := ParseThreshold(expr)
		if err != nil {
			require.NotContains(t, err.Error(), "\n")
			return
		}
		require.False(t, math.IsInf(th.Limit, 0) || math.IsNaN(th.Limit) || th.Limit < 0, "limit %v", th.Limit)
		again, err := ParseThreshold(th.Expr)
		require.NoError(t, err)
		require.Equal(t, th, again)

		text := render(th)
		back, err := ParseThreshold(text)
		require.NoError(t, err, "re-parsing %q", text)
		require.InDelta(t, th.Limit, back.Limit, 1e-9*math.Max(1, th.Limit), "%q -> %q", expr, text)
		back.Limit, back.Expr = th.Limit, th.Expr
		require.Equal(t, th, back, "%q -> %q", expr, text)

		r := Evaluate(th, sum)
		require.NotEmpty(t, r.MeasuredText+r.Note)
	})
}
