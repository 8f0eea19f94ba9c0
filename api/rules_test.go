package api

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRulesCatalogue(t *testing.T) {
	idRe := regexp.MustCompile(`^(G|S|C|H|RT|L|B)[0-9]+$`)
	seen := map[string]bool{}
	for _, r := range Rules() {
		assert.Regexp(t, idRe, r.ID)
		assert.False(t, seen[r.ID], "duplicate rule %s", r.ID)
		seen[r.ID] = true
		assert.Contains(t, []RuleKind{KindDoc, KindInterp, KindDocInterp}, r.Kind, r.ID)
		assert.NotEmpty(t, r.Summary, r.ID)
	}
	// SPEC.md numbers 45 rules: G1-8, S1-7, C1-7, H1-7, RT1-8, L1-3, B1-5.
	assert.Len(t, seen, 45)
	r, ok := RuleByID("rt1")
	require.True(t, ok)
	assert.Equal(t, "RT1", r.ID)
	_, ok = RuleByID("X9")
	assert.False(t, ok)
}

// Every rule is in an area the reports list, and every area has rules.
func TestAreas(t *testing.T) {
	areas := map[string]int{}
	for _, a := range Areas() {
		areas[a] = 0
	}
	assert.Len(t, areas, len(Areas()), "no area twice")
	for _, r := range Rules() {
		_, ok := areas[r.Area]
		assert.True(t, ok, "%s: area %q is not in Areas()", r.ID, r.Area)
		areas[r.Area]++
	}
	for a, n := range areas {
		assert.NotZero(t, n, "area %q has no rule", a)
	}
}
