package record

import (
	"fmt"
	"strings"
	"time"

	"loyalcheck/api"
)

// legacy is a record of version 1 or 2, as earlier loyalcheck wrote it:
// its sections were the engines' own results. Their load and capacity
// sections were already written with this package's measured types (the
// engines' types then had the same fields), so they are read as such and
// sealed; their contract section held the findings as a flat list, which
// are judged again by NewContract as a fresh run's are. Version 1 lacked
// the load's total, which Load.Seal sums from the steps. The verdict is
// kept as it was judged when the run was recorded.
type legacy struct {
	Version     int               `json:"version"`
	Tool        Tool              `json:"tool"`
	Kind        string            `json:"kind"`
	Started     time.Time         `json:"started"`
	Ended       time.Time         `json:"ended"`
	Target      Target            `json:"target"`
	Fixtures    FixturesSummary   `json:"fixtures"`
	Scenario    *ScenarioInfo     `json:"scenario,omitempty"`
	Contract    *legacyContract   `json:"contract,omitempty"`
	Load        *Load             `json:"load,omitempty"`
	Thresholds  []ThresholdResult `json:"thresholds"`
	Capacity    *Capacity         `json:"capacity,omitempty"`
	Error       *RunError         `json:"error,omitempty"`
	Verdict     Verdict           `json:"verdict"`
	Environment Environment       `json:"environment"`
}

// decodeLegacy decodes a version 1 or 2 record into the current shape.
// Unknown fields are refused there too: they were in those versions.
func decodeLegacy(b []byte, version int) (*Record, error) {
	var l legacy
	if err := strictJSON(b, &l); err != nil {
		return nil, fmt.Errorf("run record version %d: %w", version, err)
	}
	if l.Load != nil {
		l.Load.Seal()
	}
	if c := l.Capacity; c != nil {
		c.Ledger = LedgerOf(c.Ledger.LedgerAudit)
		c.Failed = c.RuleBroken()
	}
	if l.Thresholds == nil {
		l.Thresholds = []ThresholdResult{}
	}
	return &Record{
		Version: Version, Tool: l.Tool, Kind: l.Kind, Started: l.Started, Ended: l.Ended,
		Target: l.Target, Fixtures: l.Fixtures, Scenario: l.Scenario,
		Contract: l.Contract.judge(), Load: l.Load, Thresholds: l.Thresholds, Capacity: l.Capacity,
		Error: l.Error, Verdict: l.Verdict, Environment: l.Environment,
	}, nil
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
