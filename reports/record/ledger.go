package record

import (
	"fmt"
	"strings"
)

// LedgerAudit is what the balance audit (SPEC L1-L3) found, as package
// load measures it; Ledger adds the verdict a record carries.
type LedgerAudit struct {
	// Clients audited (searched before and after the run).
	Clients int `json:"clients"`
	// Touched clients had at least one accepted operation.
	Touched  int     `json:"touched"`
	Spent    float64 `json:"spent"`
	Earned   float64 `json:"earned"`
	Holds    uint64  `json:"holds"`
	Released uint64  `json:"released"`
	// Uncertain counts state-changing requests whose outcome is unknown
	// (timeouts): the audit allows for them and says so.
	Uncertain uint64 `json:"uncertain"`
	// Findings are the broken invariants, each of status fail or warn.
	Findings []LedgerFinding `json:"findings"`
	// Skipped is set when the audit could not run, with the reason.
	Skipped string `json:"skipped,omitempty"`
	// Unreleased lists the ids of holds the run made, did not see end,
	// and could not release: they stay active until they expire.
	Unreleased []string `json:"unreleased_holds,omitempty"`
	// Unanswered lists the holds asked for that got no usable answer, so
	// their id is unknown: the target may have made them, and then they
	// stay until they expire.
	Unanswered []string `json:"unanswered_holds,omitempty"`
}

// UnreleasedNote says which holds were or may have been left active, or
// "" when none was.
func (l LedgerAudit) UnreleasedNote() string {
	var parts []string
	if len(l.Unreleased) > 0 {
		parts = append(parts, fmt.Sprintf("HOLDS LEFT ACTIVE: %d holds the run made could not be released and stay until they expire: %s",
			len(l.Unreleased), strings.Join(l.Unreleased, ", ")))
	}
	if len(l.Unanswered) > 0 {
		parts = append(parts, fmt.Sprintf("HOLDS MAYBE ACTIVE: holds asked for without a usable answer (id unknown, so not released; if the target made them they stay until they expire): %s",
			strings.Join(l.Unanswered, "; ")))
	}
	return strings.Join(parts, "; ")
}

// Passed reports whether the audit ran and found nothing.
func (l LedgerAudit) Passed() bool { return l.Skipped == "" && len(l.Findings) == 0 }

// Broken reports whether the audit did not run or found a broken
// invariant that no unanswered request explains (a finding of status
// fail): then no capacity figure holds and the run fails.
func (l LedgerAudit) Broken() bool {
	if l.Skipped != "" {
		return true
	}
	for _, f := range l.Findings {
		if f.Status == "fail" {
			return true
		}
	}
	return false
}

// LedgerFinding is one broken ledger invariant on one client.
type LedgerFinding struct {
	Rule     string   `json:"rule"`
	Status   string   `json:"status"` // "fail", or "warn" when uncertain requests could explain it
	Client   string   `json:"client"`
	Message  string   `json:"message"`
	Initial  float64  `json:"initial"`
	Expected float64  `json:"expected"`
	Final    float64  `json:"final"`
	Ops      []string `json:"operations,omitempty"`
}

// Ledger is the balance audit with its verdict, judged once by LedgerOf.
type Ledger struct {
	LedgerAudit
	// Failed is the audit's verdict (LedgerAudit.Broken).
	Failed bool `json:"failed"`
	// UnreleasedNote says which holds were or may have been left active
	// ("" when none was).
	UnreleasedNote string `json:"unreleased_note,omitempty"`
}

// LedgerOf judges an audit; its findings are [] rather than null.
func LedgerOf(a LedgerAudit) Ledger {
	if a.Findings == nil {
		a.Findings = []LedgerFinding{}
	}
	return Ledger{LedgerAudit: a, Failed: a.Broken(), UnreleasedNote: a.UnreleasedNote()}
}
