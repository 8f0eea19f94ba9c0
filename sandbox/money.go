package sandbox

import (
	"math/big"
	"strconv"
)

// money is a receipt amount: the exact decimal value of the JSON number
// the client sent, and its float64 for echoing it back. Spend bounds,
// earns and totals are computed on the exact value, so a receipt of 0.57
// at 100% allows 57 points, not the 56 that 0.57*100 gives in floating
// point.
type money struct {
	f float64
	r *big.Rat
}

// maxNumberLen bounds the text of a JSON number the sandbox reads exactly;
// no real receipt needs more, and it keeps big.Rat parsing cheap.
const maxNumberLen = 64

// maxValue bounds every amount and point count (B2: huge numbers).
const maxValue = 1e9

// parseMoney reads a JSON number token. ok is false for a token that is
// not a decimal number the sandbox can represent exactly.
func parseMoney(tok []byte) (m money, ok bool) {
	if len(tok) > maxNumberLen {
		return money{}, false
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		// Out of float64 range: the caller reports it as too large.
		return money{f: f}, true
	}
	r, ok := new(big.Rat).SetString(string(tok))
	if !ok {
		return money{}, false
	}
	return money{f: f, r: r}, true
}

// percentOf returns m x bp / 10000 exactly (bp is a percent in hundredths).
func (m money) percentOf(bp int64) *big.Rat {
	return new(big.Rat).Mul(m.r, big.NewRat(bp, 10000))
}

// floorInt rounds r down to an integer (toward minus infinity).
func floorInt(r *big.Rat) int64 {
	q := new(big.Int).Div(r.Num(), r.Denom()) // Euclidean: floor for a positive denominator
	return q.Int64()
}

// nearestInt rounds r to the nearest integer, halves up.
func nearestInt(r *big.Rat) int64 {
	return floorInt(new(big.Rat).Add(r, big.NewRat(1, 2)))
}

// round2 rounds r to kopecks, halves up, and returns it as a float64.
func round2(r *big.Rat) float64 {
	k := nearestInt(new(big.Rat).Mul(r, big.NewRat(100, 1)))
	f, _ := big.NewRat(k, 100).Float64()
	return f
}

// minus returns m - points exactly.
func (m money) minus(points int64) *big.Rat {
	return new(big.Rat).Sub(m.r, new(big.Rat).SetInt64(points))
}

// percentFloat renders a percent in hundredths as the wire's number.
func percentFloat(bp int64) float64 { return float64(bp) / 100 }
