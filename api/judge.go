package api

import "math"

// The rules about amounts are judged here, once: contract (a few probing
// calls) and load (every call of a run) decide them on the same numbers
// with the same tolerances, so a load run never passes an answer the
// contract fails, nor the reverse, for a tolerance of its own.

// Eps is how close two amounts must be to count as the same amount.
// Amounts on the wire are whole points or kopecks, which a float64 holds
// far closer than this at any amount a till sees: a kopeck off is another
// amount, not float noise.
const Eps = 1e-6

// EarnSlack is how far earn may be from amount x percent / 100: C4's
// interpretation lets the vendor round down or to nearest.
const EarnSlack = 1

// Near reports whether a and b are the same amount: an echo (C1's amount,
// H1's held amount) or a balance the ledger expects.
func Near(a, b float64) bool { return math.Abs(a-b) < Eps }

// Exceeds reports whether v is above bound by more than float noise.
func Exceeds(v, bound float64) bool { return v > bound+Eps }

// Below reports whether v is under bound by more than float noise.
func Below(v, bound float64) bool { return v < bound-Eps }

// SpendCap is the most points may pay of a receipt of amount (C2, RT1),
// before the vendor rounds it down to its precision (C3).
func SpendCap(amount, maxSpendPercent float64) float64 {
	return amount * maxSpendPercent / 100
}

// EarnNear reports whether earn is amount x percent / 100 within
// EarnSlack (C4).
func EarnNear(earn, amount, percent float64) bool {
	return math.Abs(earn-amount*percent/100) <= EarnSlack+Eps
}

// TotalNear reports whether a cashback retail's total is what the card or
// cash pays: amount - spend, the whole amount when accruing (RT2).
func TotalNear(total, amount, spend float64) bool { return Near(total, amount-spend) }
