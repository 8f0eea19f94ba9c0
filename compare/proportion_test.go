package compare

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestProportionTest(t *testing.T) {
	for _, tt := range []struct {
		name           string
		e1, n1, e2, n2 uint64
		higher, lower  bool
		method         string
	}{
		{"same rate", 50, 10_000, 55, 10_000, false, false, "z-test"},
		{"higher", 50, 10_000, 300, 10_000, true, false, "z-test"},
		{"lower", 300, 10_000, 50, 10_000, false, true, "z-test"},
		// Too few errors for the normal law: 0 against 8 is p = 0.0039.
		{"few errors, higher", 0, 1000, 8, 1000, true, false, "Fisher"},
		{"few errors, noise", 1, 1000, 3, 1000, false, false, "Fisher"},
		{"no errors", 0, 1000, 0, 1000, false, false, "no errors in either run"},
		{"all errors", 1000, 1000, 1000, 1000, false, false, "Fisher"},
		{"no requests", 0, 0, 1, 10, false, false, "no requests"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			higher, lower, method := proportionTest(tt.e1, tt.n1, tt.e2, tt.n2, 0.99)
			assert.Equal(t, tt.higher, higher, method)
			assert.Equal(t, tt.lower, lower, method)
			assert.Contains(t, method, tt.method)
		})
	}
}

func TestFisherTails(t *testing.T) {
	up, down := fisherTails(0, 1000, 8, 1000)
	// All 8 errors in NEW: C(1000,8)/C(2000,8), about 2^-8.
	assert.InDelta(t, 0.00386, up, 0.0001)
	assert.InDelta(t, 1, down, 1e-9)
	up, down = fisherTails(4, 1000, 4, 1000)
	assert.InDelta(t, 1, up+down, 0.5, "the tails overlap at the observed split")
	assert.Greater(t, up, 0.5)
	assert.Greater(t, down, 0.5)
}
