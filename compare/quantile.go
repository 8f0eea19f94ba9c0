package compare

import (
	"math"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The confidence interval of a quantile is distribution-free: it comes
// from order statistics, not from a model of latencies. Of n independent
// samples, the number B that fall below the true q-quantile is binomial
// (n, q). The l-th smallest sample exceeds the quantile only when B < l,
// and the u-th smallest falls below it only when B >= u; so with
// P(B < l) <= alpha/2 and P(B >= u) <= alpha/2, the interval between the
// l-th and u-th smallest samples holds the quantile with probability at
// least 1-alpha, whatever the distribution. A histogram gives those
// samples back to its resolution (3 significant digits).

// exactVariance is the binomial variance below which ranks are computed
// from the exact binomial law: there the normal approximation can be off
// by a rank or more in the tails (small n, or q near 0 or 1). Above it the
// normal law with continuity correction is within a rank, and costs
// nothing however many samples there are.
const exactVariance = 400

// quantileRanks returns the 1-based ranks l and u of the order statistics
// that bound the q-quantile of n samples with probability at least conf.
// hasLow is false when even the smallest sample is not a lower bound at
// that confidence (l < 1), hasHigh when even the largest is not an upper
// bound (u > n): too few samples for that side of the interval.
func quantileRanks(n int64, q, conf float64) (l, u int64, hasLow, hasHigh bool) {
	if n <= 0 {
		return 0, 0, false, false
	}
	tail := (1 - conf) / 2
	mean := float64(n) * q
	variance := mean * (1 - q)
	if variance < exactVariance {
		l, u = exactRanks(n, q, tail)
	} else {
		z := zQuantile(1 - tail)
		sd := math.Sqrt(variance)
		// P(B <= l-1) ~ Phi((l-1+0.5-mean)/sd) <= tail, and
		// P(B >= u) ~ 1-Phi((u-0.5-mean)/sd) <= tail.
		l = int64(math.Floor(mean - z*sd + 0.5))
		u = int64(math.Ceil(mean + z*sd + 0.5))
	}
	return l, u, l >= 1, u <= n
}

// exactRanks sums the binomial law over a window of 12 standard deviations
// (and a dozen ranks) around the mean: the mass outside is below 1e-9,
// far under any tail a confidence level asks for, and the window keeps the
// cost independent of n.
func exactRanks(n int64, q, tail float64) (l, u int64) {
	mean := float64(n) * q
	w := 12*math.Sqrt(mean*(1-q)) + 12
	lo := max(0, int64(math.Floor(mean-w)))
	hi := min(n, int64(math.Ceil(mean+w)))
	// l is the first k whose lower tail P(B <= k) exceeds tail.
	l = hi + 1
	var cum float64
	for k := lo; k <= hi; k++ {
		cum += binomPMF(n, k, q)
		if cum > tail {
			l = k
			break
		}
	}
	// u is the smallest k whose upper tail P(B >= k) is at most tail.
	u = n + 1
	cum = 0
	for k := hi; k >= lo; k-- {
		cum += binomPMF(n, k, q)
		if cum > tail {
			break
		}
		u = k
	}
	return l, u
}

func binomPMF(n, k int64, q float64) float64 {
	switch {
	case q <= 0:
		if k == 0 {
			return 1
		}
		return 0
	case q >= 1:
		if k == n {
			return 1
		}
		return 0
	}
	lg := func(x int64) float64 { v, _ := math.Lgamma(float64(x) + 1); return v }
	return math.Exp(lg(n) - lg(k) - lg(n-k) + float64(k)*math.Log(q) + float64(n-k)*math.Log1p(-q))
}

// zQuantile is the standard normal quantile function.
func zQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// minSamples is the smallest n for which the q-quantile has both bounds at
// confidence conf: q^n and (1-q)^n must both be at most (1-conf)/2.
func minSamples(q, conf float64) int64 {
	return int64(math.Ceil(math.Log((1-conf)/2) / math.Log(max(q, 1-q))))
}

// interval is a quantile estimate and its confidence bounds, in the
// histogram's unit (nanoseconds here).
type interval struct {
	n                int64
	point, low, high float64
	hasLow, hasHigh  bool
	judged           bool
	// noHist is set when the series ran but its histogram was not
	// recorded.
	noHist bool
}

// quantileIntervals reads the estimate and the bounds of each quantile in
// one pass over h. The estimate is read as the load summary reads it, so a
// comparison shows the figures the run's report printed; every value is
// capped at maxSeen, the true maximum (the histogram clamps and rounds up
// to its resolution), when maxSeen > 0.
func quantileIntervals(h *hdrhistogram.Histogram, qs []float64, conf float64, maxSeen float64) []interval {
	out := make([]interval, len(qs))
	if h == nil || h.TotalCount() == 0 {
		return out
	}
	n := h.TotalCount()
	// ValueAtPercentile reads the sample of rank round(p/100*n): rank k is
	// read at p = 100*k/n.
	pcts := make([]float64, 0, 3*len(qs))
	for i, q := range qs {
		l, u, hasLow, hasHigh := quantileRanks(n, q, conf)
		out[i] = interval{n: n, hasLow: hasLow, hasHigh: hasHigh, judged: hasLow && hasHigh}
		pcts = append(pcts, q*100, 100*float64(max(l, 1))/float64(n), 100*float64(min(u, n))/float64(n))
	}
	vals := h.ValueAtPercentilesSlice(pcts)
	capped := func(v int64) float64 {
		if maxSeen > 0 {
			return min(float64(v), maxSeen)
		}
		return float64(v)
	}
	for i := range out {
		out[i].point = capped(vals[3*i])
		out[i].low = capped(vals[3*i+1])
		out[i].high = capped(vals[3*i+2])
	}
	return out
}
