package contract

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"loyalcheck/sandbox"
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

// TestRT6BothSides: a retail must end the client's holds at its point and
// only there; with one fixture point the second half is unverified, said
// as a skip, never a pass.
func TestRT6BothSides(t *testing.T) {
	res := manualRun(t, []string{"retail-ends-all-holds"}, WithOnly("RT6"))
	assert.True(t, hasStatus(findingsOf(res, "RT6"), Fail), "ending holds at other points must fail RT6:\n%s", describe(res))

	res = manualRun(t, []string{"retail-keeps-holds"}, WithOnly("RT6"))
	assert.True(t, hasStatus(findingsOf(res, "RT6"), Fail), "keeping the hold at the retail's point must fail RT6:\n%s", describe(res))

	res = manualRun(t, nil, WithOnly("RT6"))
	fs := findingsOf(res, "RT6")
	assert.True(t, hasStatus(fs, Pass), describe(res))
	assert.False(t, hasStatus(fs, Skip), "with several points both halves are verified:\n%s", describe(res))

	res = manualRunOn(t, []sandbox.Option{sandbox.WithPoints(1)}, nil, WithOnly("RT6"))
	fs = findingsOf(res, "RT6")
	assert.False(t, hasStatus(fs, Fail), describe(res))
	if assert.True(t, hasStatus(fs, Skip), "one point: the other-points half is unverified:\n%s", describe(res)) {
		for _, f := range fs {
			if f.Status == Skip {
				assert.Contains(t, f.Message, "other points")
			}
		}
	}
}

// TestS4HoldsAtOtherPoints: a hold made at another point lowers the
// balance search shows too; one fixture point leaves that unverified.
func TestS4HoldsAtOtherPoints(t *testing.T) {
	res := manualRun(t, []string{"holds-per-point"}, WithOnly("S4"))
	assert.True(t, hasStatus(findingsOf(res, "S4"), Warn), "a hold at another point left out of the balance must warn on S4:\n%s", describe(res))

	res = manualRunOn(t, []sandbox.Option{sandbox.WithPoints(1)}, nil, WithOnly("S4"))
	fs := findingsOf(res, "S4")
	assert.False(t, hasStatus(fs, Fail) || hasStatus(fs, Warn), describe(res))
	assert.True(t, hasStatus(fs, Skip), "one point: holds at other points are unverified:\n%s", describe(res))
}

// TestG2EveryEndpoint: the apikey header is required on all five
// endpoints, not only on those a check happens to call first.
func TestG2EveryEndpoint(t *testing.T) {
	res := manualRun(t, []string{"release-ignores-apikey"}, WithOnly("g2-apikey-required"))
	assert.True(t, hasStatus(findingsOf(res, "G2"), Fail), "release served without the apikey must fail G2:\n%s", describe(res))
}

// TestWidenedChecksCatchTheirFaults: each check widened to the full scope
// of its rule catches a fault that only the widened part exercises.
func TestWidenedChecksCatchTheirFaults(t *testing.T) {
	for _, c := range []struct{ fault, check, rule string }{
		{"retail-ignores-balance", "rt1-spend-over", "RT1"},  // the balance, not maxSpendPercent, binds
		{"discount-spend-field", "rt3-spend-or-earn", "RT3"}, // a discount client's retail
		{"holds-per-point", "h5-hold-visibility", "H5"},      // a hold made at another point
		{"unknown-number-key", "s1-unknown-client", "S1"},    // an unknown phone or card number
	} {
		t.Run(c.fault, func(t *testing.T) {
			t.Parallel()
			res := manualRun(t, []string{c.fault}, WithOnly(c.check))
			assert.True(t, hasStatus(findingsOf(res, c.rule), Fail), "%s must fail %s:\n%s", c.check, c.fault, describe(res))
		})
	}
}
