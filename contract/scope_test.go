package contract

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// findingsOf returns the findings of one rule.
func findingsOf(res *Result, rule string) []Finding {
	var out []Finding
	for _, f := range res.Findings {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func hasStatus(fs []Finding, st Status) bool {
	for _, f := range fs {
		if f.Status == st {
			return true
		}
	}
	return false
}

// TestS5WeighsByPart: not being found by an identifier breaks the doc
// part of S5 (a failure); being found as another client breaks only the
// interp part (a warning).
func TestS5WeighsByPart(t *testing.T) {
	res := manualRun(t, []string{"card-not-found"}, WithOnly("S5"))
	fs := findingsOf(res, "S5")
	assert.True(t, hasStatus(fs, Fail), "a client not found by its card must fail S5:\n%s", describe(res))

	res = manualRun(t, []string{"code-other-client"}, WithOnly("S5"))
	fs = findingsOf(res, "S5")
	assert.True(t, hasStatus(fs, Warn), "another id for the app code must warn on S5:\n%s", describe(res))
	assert.False(t, hasStatus(fs, Fail), "another id is the interp part of S5, not a failure:\n%s", describe(res))
}
