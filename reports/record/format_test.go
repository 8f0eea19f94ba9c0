package record

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFormatRate(t *testing.T) {
	for _, tc := range []struct {
		r    float64
		want string
	}{
		{2560, "2560"},
		{741, "741"},
		{773.7, "774"},
		{100, "100"},
		{56.6, "56.6"},
		{40, "40"},
		{10.04, "10"},
		{5, "5"},
		{0.25, "0.25"},
		{0.5, "0.5"},
		{0.01, "0.01"},
		{0, "0"},
	} {
		assert.Equal(t, tc.want, FormatRate(tc.r), "FormatRate(%v)", tc.r)
	}
}
