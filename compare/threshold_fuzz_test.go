package compare

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParseThreshold: an accepted --max-regression expression bounds pNN
// or errors of a known series with a finite, non-negative value (relative
// only for a latency) and parses back to itself; a refused one gets a
// one-line error naming the flag.
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{
		"p99(retail)+20%", " p50(session) + 5ms ", "p99.9(hold)+250us", "p90+1s", "errors+0.5%", "errors(retail)+1%",
		"p99(retail)+0ms", "mean+20%", "p99(retail)<300ms", "p99(retail)-20%", "errors+5ms", "errors+150%", "+20%", "p99++1%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := ParseThreshold(expr)
		if err != nil {
			require.NotContains(t, err.Error(), "\n")
			require.Contains(t, err.Error(), "max-regression")
			return
		}
		require.False(t, math.IsNaN(th.Value) || math.IsInf(th.Value, 0) || th.Value < 0, "%+v", th)
		require.True(t, th.Metric == "errors" || strings.HasPrefix(th.Metric, "p"), "%+v", th)
		require.False(t, th.Relative && th.Metric == "errors", "%+v", th)
		again, err := ParseThreshold(th.Expr)
		require.NoError(t, err)
		require.Equal(t, th, again)
	})
}
