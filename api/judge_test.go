package api

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNear(t *testing.T) {
	for _, tc := range []struct {
		a, b float64
		want bool
	}{
		{1234.5, 1234.5, true},
		{0.1 + 0.2, 0.3, true}, // float noise
		{123.45 - 10, 113.45, true},
		{1234.5, 1234.51, false}, // a kopeck off
		{7, 14, false},
		{7, 7.0000001, true},
		{7, 7.00001, false},
		{-0.0000001, 0, true},
	} {
		assert.Equal(t, tc.want, Near(tc.a, tc.b), "Near(%v, %v)", tc.a, tc.b)
		assert.Equal(t, tc.want, Near(tc.b, tc.a), "Near(%v, %v)", tc.b, tc.a)
	}
}

func TestExceedsBelow(t *testing.T) {
	for _, tc := range []struct {
		v, bound       float64
		exceeds, below bool
	}{
		{10, 10, false, false},
		{10.0000001, 10, false, false},
		{10.01, 10, true, false},
		{11, 10, true, false},
		{9.99, 10, false, true},
		{9.9999999, 10, false, false},
		{-0.01, 0, false, true},
	} {
		assert.Equal(t, tc.exceeds, Exceeds(tc.v, tc.bound), "Exceeds(%v, %v)", tc.v, tc.bound)
		assert.Equal(t, tc.below, Below(tc.v, tc.bound), "Below(%v, %v)", tc.v, tc.bound)
	}
}

func TestSpendCap(t *testing.T) {
	for _, tc := range []struct {
		amount, pct, want float64
	}{
		{1000, 30, 300},
		{0.57, 100, 0.57},
		{1234.5, 0, 0},
		{99.99, 50, 49.995},
	} {
		assert.InDelta(t, tc.want, SpendCap(tc.amount, tc.pct), 1e-9, "SpendCap(%v, %v)", tc.amount, tc.pct)
	}
	// A spend of the cap rounded down is within it; one point more is not.
	assert.False(t, Exceeds(49, SpendCap(99.99, 50)))
	assert.True(t, Exceeds(50, SpendCap(99.99, 50)))
}

func TestEarnNear(t *testing.T) {
	for _, tc := range []struct {
		earn, amount, percent float64
		want                  bool
	}{
		{123.4, 1234, 10, true},
		{123, 1234, 10, true}, // rounded down
		{124, 1234, 10, true}, // rounded up
		{122, 1234, 10, false},
		{125, 1234, 10, false},
		{246.8, 1234, 10, false}, // twice the earn
		{0, 1000, 0, true},
		{100, 1000, 0, false}, // a discount client earning on recalc
	} {
		assert.Equal(t, tc.want, EarnNear(tc.earn, tc.amount, tc.percent), "EarnNear(%v, %v, %v)", tc.earn, tc.amount, tc.percent)
	}
}

func TestTotalNear(t *testing.T) {
	for _, tc := range []struct {
		total, amount, spend float64
		want                 bool
	}{
		{113.45, 123.45, 10, true},
		{150, 150, 0, true},         // accruing: the whole amount
		{123.45, 123.45, 10, false}, // total = amount while spending
		{113.44, 123.45, 10, false}, // a kopeck off
		{113.46, 123.45, 10, false},
		{0, 100, 100, true},
	} {
		t.Run(fmt.Sprint(tc.total, tc.amount, tc.spend), func(t *testing.T) {
			assert.Equal(t, tc.want, TotalNear(tc.total, tc.amount, tc.spend))
		})
	}
}
