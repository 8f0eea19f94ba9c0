package load

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLedgerReportFailed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		l      LedgerReport
		failed bool
		passed bool
	}{
		{"clean", LedgerReport{Clients: 3}, false, true},
		{"skipped", LedgerReport{Skipped: "audit incomplete: timeout"}, true, false},
		{"a failure", LedgerReport{Findings: []LedgerFinding{{Rule: "L1", Status: "warn"}, {Rule: "L2", Status: "fail"}}}, true, false},
		{"warnings only", LedgerReport{Findings: []LedgerFinding{{Rule: "L1", Status: "warn"}}}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.failed, tc.l.Broken())
			assert.Equal(t, tc.passed, tc.l.Passed())
		})
	}
}
