package contract

import (
	"crypto/rand"
	"encoding/hex"
	"math"
	"sort"
	"strconv"
)

// n formats a number the way JSON would.
func n(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// randomHex returns 2*bytes random hex digits.
func randomHex(bytes int) string {
	b := make([]byte, bytes)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomDigits returns n random decimal digits.
func randomDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

// unknownID returns an id no target has issued, shaped like the vendor's
// (24 hex digits), so a format check does not refuse it first.
func unknownID() string { return "ffff" + randomHex(10) }

// amountFor returns a receipt amount whose maxSpendPercent share is at
// least spend points.
func amountFor(spend, maxSpendPercent float64) float64 {
	if maxSpendPercent <= 0 {
		return math.Max(spend, 1) * 100
	}
	return math.Ceil(spend*100/maxSpendPercent) + 1
}

func sortStrings(s []string) { sort.Strings(s) }

func ptr[V any](v V) *V { return &v }
