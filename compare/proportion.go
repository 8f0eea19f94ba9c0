package compare

import (
	"fmt"
	"math"
)

// proportionTest says whether NEW's error rate (e2 of n2) is higher than
// BASE's (e1 of n1), or lower, beyond chance at confidence conf,
// one-sided each way. It is the pooled two-proportion z-test; when an
// expected count under the pooled rate is below 5, where the normal law
// misjudges (0 errors against 8 is such a case), it is Fisher's exact
// test instead. method names the test used, for the reason shown.
func proportionTest(e1, n1, e2, n2 uint64, conf float64) (higher, lower bool, method string) {
	if n1 == 0 || n2 == 0 {
		return false, false, "no requests"
	}
	if e1+e2 == 0 {
		return false, false, "no errors in either run"
	}
	alpha := 1 - conf
	p := float64(e1+e2) / float64(n1+n2)
	minExpected := min(float64(min(n1, n2))*p, float64(min(n1, n2))*(1-p))
	if minExpected < 5 {
		up, down := fisherTails(e1, n1, e2, n2)
		return up <= alpha, down <= alpha, fmt.Sprintf("Fisher's exact test, one-sided p %.2g (higher) / %.2g (lower)", up, down)
	}
	se := math.Sqrt(p * (1 - p) * (1/float64(n1) + 1/float64(n2)))
	z := (float64(e2)/float64(n2) - float64(e1)/float64(n1)) / se
	zc := zQuantile(conf)
	return z > zc, z < -zc, fmt.Sprintf("pooled two-proportion z-test, z = %.2f (critical %.2f)", z, zc)
}

// fisherTails returns the one-sided p-values of Fisher's exact test: given
// k = e1+e2 errors among n1+n2 requests, the chance that NEW holds at least
// (up) or at most (down) e2 of them. The hypergeometric law has at most
// k+1 terms; it only runs when errors are few.
func fisherTails(e1, n1, e2, n2 uint64) (up, down float64) {
	k := e1 + e2
	n := n1 + n2
	lg := func(x uint64) float64 { v, _ := math.Lgamma(float64(x) + 1); return v }
	lchoose := func(a, b uint64) float64 { return lg(a) - lg(b) - lg(a-b) }
	lo := uint64(0)
	if k > n1 {
		lo = k - n1
	}
	hi := min(k, n2)
	for x := lo; x <= hi; x++ {
		pmf := math.Exp(lchoose(k, x) + lchoose(n-k, n2-x) - lchoose(n, n2))
		if x >= e2 {
			up += pmf
		}
		if x <= e2 {
			down += pmf
		}
	}
	return min(up, 1), min(down, 1)
}
