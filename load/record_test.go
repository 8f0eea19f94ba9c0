package load

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Record always records the total, and the ledger's verdict.
func TestSummaryRecord(t *testing.T) {
	assert.Nil(t, (*Summary)(nil).Record())
	s := &Summary{RequestRate: 3, Steps: []StepMetrics{{Name: "search", Requests: 10, OK: 9, Unexpected: 1}, {Name: "retail", Requests: 5, OK: 5}},
		Ledger: LedgerReport{Findings: []LedgerFinding{{Rule: "L1", Status: "fail", Client: "c1"}}, Unreleased: []string{"h9"}, Unanswered: []string{"hold of 3 on c4"}}}
	l := s.Record()
	assert.Equal(t, uint64(15), l.Total.Requests)
	assert.Equal(t, uint64(1), l.Total.Unexpected)
	assert.True(t, l.Ledger.Failed)
	assert.False(t, l.Ledger.Passed())
	assert.Contains(t, l.Ledger.UnreleasedNote, "h9")
	assert.Contains(t, l.Ledger.UnreleasedNote, "HOLDS MAYBE ACTIVE")
	assert.Equal(t, []string{"hold of 3 on c4"}, l.Ledger.Unanswered)
	st, ok := l.Step("retail")
	require.True(t, ok)
	assert.Equal(t, uint64(5), st.Requests)
	assert.NotNil(t, l.Steps[0].StatusCodes, "lists and maps are never null")
	assert.NotNil(t, l.Violations)
	s.Ledger.Findings[0].Status = "warn"
	assert.False(t, s.Record().Ledger.Failed, "a finding unanswered requests could explain does not fail the audit")
}
