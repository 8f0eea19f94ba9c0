package compare

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuantileRanks(t *testing.T) {
	for _, tt := range []struct {
		name            string
		n               int64
		q, conf         float64
		l, u            int64
		hasLow, hasHigh bool
	}{
		// The textbook interval of a median of 100 samples at 95%.
		{"median of 100", 100, 0.5, 0.95, 40, 61, true, true},
		// p99 at 99% needs 528 samples: 0.99^527 > 0.5%.
		{"p99 of 527", 527, 0.99, 0.99, 0, 528, true, false},
		{"p99 of 528", 528, 0.99, 0.99, 0, 528, true, true},
		{"nothing", 0, 0.5, 0.99, 0, 0, false, false},
		{"one sample", 1, 0.5, 0.99, 0, 2, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, u, hasLow, hasHigh := quantileRanks(tt.n, tt.q, tt.conf)
			assert.Equal(t, tt.hasLow, hasLow, "lower bound")
			assert.Equal(t, tt.hasHigh, hasHigh, "upper bound")
			if tt.l > 0 {
				assert.Equal(t, tt.l, l)
			}
			if tt.u > 0 {
				assert.Equal(t, tt.u, u)
			}
		})
	}
	assert.EqualValues(t, 528, minSamples(0.99, 0.99))
	assert.EqualValues(t, 5296, minSamples(0.999, 0.99))
}

// TestNormalRanksMatchExact: past the switch to the normal approximation,
// its ranks are within one of the exact law's.
func TestNormalRanksMatchExact(t *testing.T) {
	for _, c := range []struct {
		n int64
		q float64
	}{{1700, 0.5}, {4500, 0.9}, {41000, 0.99}, {410_000, 0.999}, {1_000_000, 0.5}} {
		require.GreaterOrEqual(t, float64(c.n)*c.q*(1-c.q), float64(exactVariance), "%+v takes the normal branch", c)
		l, u, _, _ := quantileRanks(c.n, c.q, 0.99)
		el, eu := exactRanks(c.n, c.q, 0.005)
		assert.InDelta(t, el, l, 1, "%+v lower", c)
		assert.InDelta(t, eu, u, 1, "%+v upper", c)
	}
}

// TestQuantileIntervalCoverage draws samples whose true quantile is known
// and counts how often the interval holds it: at least the confidence
// asked, on both branches (exact and normal).
func TestQuantileIntervalCoverage(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, c := range []struct {
		n      int64
		q      float64
		trials int
	}{{300, 0.9, 2000}, {60, 0.5, 2000}, {4000, 0.5, 400}} {
		const conf = 0.95
		l, u, hasLow, hasHigh := quantileRanks(c.n, c.q, conf)
		require.True(t, hasLow && hasHigh)
		covered := 0
		xs := make([]float64, c.n)
		for range c.trials {
			for i := range xs {
				xs[i] = r.Float64() // uniform: the q-quantile is q
			}
			slices.Sort(xs)
			if xs[l-1] <= c.q && c.q <= xs[u-1] {
				covered++
			}
		}
		got := float64(covered) / float64(c.trials)
		// Two standard errors of the estimated coverage below 95%.
		assert.GreaterOrEqual(t, got, conf-0.02, "%+v: coverage %.3f", c, got)
		assert.Less(t, got, 0.995, "%+v: coverage %.3f: the interval is needlessly wide", c, got)
	}
}
