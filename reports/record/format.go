package record

import (
	"strconv"
	"strings"
)

// FormatRate writes a rate per second the way notes and reports show it:
// whole from 100 up, one decimal from 10, two below, trailing zeros
// dropped ("741", "12.5", "0.25"). The engines write notes with it and
// reports render figures with it, so one function keeps a figure the
// same in both.
func FormatRate(r float64) string {
	prec := 2
	switch {
	case r >= 100:
		prec = 0
	case r >= 10:
		prec = 1
	}
	s := strconv.FormatFloat(r, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	return s
}
