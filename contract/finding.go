package contract

import (
	"bytes"
	"encoding/json"
	"time"

	"loyalcheck/api"
	"loyalcheck/reports/record"
)

// Status is the verdict of one finding (the run record's type, as every
// type of a finding). A doc rule broken is Fail, an interp rule broken is
// Warn (Fail under the strict profile); Skip means the rule was not
// exercised and the message says why: either the fixtures or the target
// could not exercise it (unverified, which fails closed), or the user
// left it out of the run's scope (NotInScope: --only, --read-only, no
// --slow).
type Status = record.Status

// Finding statuses.
const (
	Pass = record.Pass
	Fail = record.Fail
	Warn = record.Warn
	Skip = record.Skip
)

// Finding is one verdict of one check on one rule.
type Finding = record.Finding

// Evidence is one exchange with the target, as it went over the wire,
// never with the apikey (evidenceOf).
type Evidence = record.Evidence

// MaxEvidenceBody caps the request and response bodies kept in evidence.
const MaxEvidenceBody = 4 << 10

// Result is the record of one contract run.
type Result struct {
	record.ContractRun
	Findings []Finding          `json:"findings"`
	Summary  record.CheckCounts `json:"summary"`
	// Rules counts the rules by coverage.
	Rules record.RuleCounts `json:"rules"`
	// Coverage is every rule's coverage (CoverageOf), in catalogue order.
	Coverage []record.RuleCoverage `json:"coverage,omitempty"`
	// ReadOnly is true when the run sent only search and recalc.
	ReadOnly bool `json:"read_only,omitempty"`
	// Interrupted is true when the run was stopped before its end.
	Interrupted bool `json:"interrupted,omitempty"`
	// Unreleased lists the ids of holds the run made and could not
	// release: they stay active on the target until they expire.
	Unreleased []string `json:"unreleased_holds,omitempty"`
	// Unanswered lists the holds asked for that got no answer, so their
	// id is unknown: the target may have made them, and then they stay
	// until they expire.
	Unanswered []string `json:"unanswered_holds,omitempty"`
}

// Failed reports whether any finding failed.
func (r *Result) Failed() bool {
	if r == nil {
		return false
	}
	for _, f := range r.Findings {
		if f.Status == Fail {
			return true
		}
	}
	return false
}

// Duration is how long the run took.
func (r *Result) Duration() time.Duration { return r.Ended.Sub(r.Started) }

// evidenceOf turns an exchange into evidence; nil stays nil.
func evidenceOf(ex *api.Exchange) *Evidence {
	if ex == nil {
		return nil
	}
	ev := &Evidence{
		Endpoint: string(ex.Endpoint),
		URL:      ex.URL,
		Request:  rawJSON(ex.Request),
		Status:   ex.Status,
		Body:     rawJSON(ex.Body),
	}
	if ex.KeySent != "configured" {
		ev.KeySent = ex.KeySent
	}
	return ev
}

// rawJSON returns b verbatim when it is valid JSON no longer than
// MaxEvidenceBody, else a JSON string of (the start of) its text.
func rawJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if len(b) <= MaxEvidenceBody && json.Valid(b) {
		return json.RawMessage(compactJSON(b))
	}
	s, _ := json.Marshal(api.Snippet(b, MaxEvidenceBody))
	return s
}

func compactJSON(b []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b
	}
	return buf.Bytes()
}
