package chart

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"loyalcheck/api"
)

func TestStepColor(t *testing.T) {
	for _, tc := range []struct {
		name string
		i    int
		want string
	}{
		{"search", 3, "#0072B2"},
		{"recalc", 0, "#E69F00"},
		{"hold", 0, "#CC79A7"},
		{"release", 0, "#56B4E9"},
		{"retail", 0, "#009E73"},
		{"session", 2, "#444444"},
		{"other", 1, "#8C6D31"},
		{"other", 5, "#8C6D31"},
	} {
		assert.Equal(t, tc.want, StepColor(tc.name, tc.i), "%s #%d", tc.name, tc.i)
	}
	// Every endpoint has a colour of its own, none a spare's.
	seen := map[string]bool{sessionColor: true}
	for _, c := range spareColors {
		seen[c] = true
	}
	for _, e := range api.Endpoints() {
		c := StepColor(string(e), 0)
		assert.False(t, seen[c], "%s shares colour %s", e, c)
		seen[c] = true
	}
}
