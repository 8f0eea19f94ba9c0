package record

import (
	"fmt"
	"strings"

	"loyalcheck/api"
)

// legacy is a record of version 1 or 2, as earlier loyalcheck wrote it:
// its sections were the engines' own results. Their load and capacity
// sections were already written with this package's measured types (the
// engines' types then had the same fields), so they are read as such and
// sealed; their contract section held the findings as a flat list, which
// are judged again by NewContract as a fresh run's are. Version 1 lacked
// the load's total, which Load.Seal sums from the steps. The verdict is
// kept as it was judged when the run was recorded. Every other field was
// already as this version writes it.
type legacy struct {
	Record
	Contract *legacyContract `json:"contract,omitempty"`
}

// decodeLegacy decodes a version 1 or 2 record into the current shape.
// Unknown fields are refused there too: they were in those versions.
func decodeLegacy(b []byte, version int) (*Record, error) {
	var l legacy
	if err := strictJSON(b, &l); err != nil {
		return nil, fmt.Errorf("run record version %d: %w", version, err)
	}
	r := l.Record
	r.Version, r.Contract = Version, l.Contract.judge()
	if r.Load != nil {
		r.Load.Seal()
	}
	if c := r.Capacity; c != nil {
		c.Ledger = LedgerOf(c.Ledger.LedgerAudit)
		c.Failed = c.RuleBroken()
	}
	if r.Thresholds == nil {
		r.Thresholds = []ThresholdResult{}
	}
	return &r, nil
}

// legacyContract is the contract section of a version 1 or 2 record: the
// section's run settings and counts, and the findings as one list.
type legacyContract struct {
	Contract
	Findings []Finding `json:"findings"`
}

// judge judges the findings again; nil stays nil. The rule coverage is
// computed afresh, over today's catalogue, as for a fresh run; an --only
// entry that names no rule (a check's name, which only the contract
// engine of the time resolved) is taken to select every rule, so that a
// rule no check reached counts as unverified rather than out of scope:
// fail closed.
func (l *legacyContract) judge() *Contract {
	if l == nil {
		return nil
	}
	selected := func(rule string) bool {
		if len(l.Only) == 0 {
			return true
		}
		for _, id := range l.Only {
			if _, ok := api.RuleByID(id); !ok || strings.EqualFold(id, rule) {
				return true
			}
		}
		return false
	}
	head := l.Contract
	head.Summary, head.Rules, head.Coverage = CheckCounts{}, RuleCounts{}, nil
	return NewContract(head, l.Findings, CoverageOf(l.Findings, l.AcceptUnverified, selected))
}
