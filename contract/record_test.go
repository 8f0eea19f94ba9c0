package contract

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/reports/record"
)

// Record groups the findings as the reports show them and judges
// them once: areas in catalogue order, a check with all its cases and the
// worst status, counts by check, coverage and its notes.
func TestResultRecord(t *testing.T) {
	assert.Nil(t, (*Result)(nil).Record())
	res := &Result{ContractRun: record.ContractRun{Profile: "default", Only: []string{"C4", "S1", "S3"}}, ReadOnly: true, Unreleased: []string{"h1"}, Unanswered: []string{"hold of 5 on c2"},
		Findings: []Finding{
			{Rule: "C4", Check: "c4-earn", Area: api.AreaRecalc, Kind: api.KindDoc, Status: Pass, Message: "ok",
				Evidence: &Evidence{Endpoint: "recalc", URL: "http://x/recalc", Status: 200}},
			{Rule: "S1", Check: "s1-unknown", Area: api.AreaSearch, Kind: api.KindDoc, Status: Pass, Message: "ok"},
			{Rule: "C4", Check: "c4-earn", Area: api.AreaRecalc, Kind: api.KindDoc, Status: Fail, Message: "earn 10; want 5"},
			{Rule: "S3", Check: "s3-discount", Area: api.AreaSearch, Kind: api.KindDoc, Status: Skip, Message: "fixtures have no discount client"},
		}}
	c := res.Record()
	require.Len(t, c.Areas, 2)
	assert.Equal(t, api.AreaSearch, c.Areas[0].Area, "catalogue order, not run order")
	assert.Equal(t, api.AreaRecalc, c.Areas[1].Area)
	require.Len(t, c.Areas[1].Checks, 1, "one check, two cases")
	ch := c.Areas[1].Checks[0]
	assert.Equal(t, Fail, ch.Status)
	require.Len(t, ch.Cases, 2)
	assert.Equal(t, "http://x/recalc", ch.Cases[0].Evidence.URL)
	assert.Equal(t, []Finding{ch.Cases[1]}, ch.ProblemCases())
	assert.Equal(t, record.CheckCounts{Pass: 1, Fail: 1, Skip: 1}, c.Summary)
	assert.Equal(t, "3 checks: 1 pass, 1 fail, 1 unverified", c.Summary.String())
	assert.Equal(t, record.CheckCounts{Pass: 1, Skip: 1}, c.Areas[0].Summary)
	assert.Equal(t, 1, c.Rules.Failed)
	assert.Equal(t, 1, c.Rules.Unverified)
	require.Len(t, c.IncompleteRules(), 1)
	assert.Equal(t, "S3", c.IncompleteRules()[0].Rule)
	require.NotEmpty(t, c.CoverageNotes)
	assert.Equal(t, record.Unverified, c.CoverageNotes[0].State)
	assert.Equal(t, "S3 (doc)", c.CoverageNotes[0].RuleList())
	require.Len(t, c.Notes, 3)
	assert.Contains(t, c.Notes[0], "read-only")
	assert.Contains(t, c.Notes[1], "HOLDS LEFT ACTIVE: 1 holds")
	assert.Contains(t, c.Notes[2], "HOLDS MAYBE ACTIVE")
	assert.Equal(t, []string{"hold of 5 on c2"}, c.Unanswered)
	assert.Len(t, c.Findings(), 4)
}
