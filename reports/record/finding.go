package record

import (
	"encoding/json"
	"strings"

	"loyalcheck/api"
)

// The contract suite's findings and the judgements over them that every
// report shows: checks grouped by rule, their counts, every rule's
// coverage and its notes. The contract engine records its findings in
// these types and calls these judgements for its own verdict, so the
// suite, run.json and every report agree; a record of version 1 or 2,
// which held the engine's findings, is judged by them again.

// Status is the verdict of one finding.
type Status string

// Finding statuses. A doc rule broken is Fail, an interp rule broken is Warn
// (Fail under the strict profile); Skip means the rule was not exercised
// and the message says why: either the fixtures or the target could not
// exercise it (unverified, which fails closed), or the user left it out of
// the run's scope (NotInScope: --only, --read-only, no --slow).
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Warn Status = "warn"
	Skip Status = "skip"
)

// Evidence is one exchange with the target, as it went over the wire. It
// never holds the apikey: api.Exchange does not keep it, and KeySent only
// says which kind of key went out ("configured", "none" or "other").
type Evidence struct {
	Endpoint string `json:"endpoint"`
	Method   string `json:"method,omitempty"` // only when not POST
	URL      string `json:"url"`
	// Request and Body are verbatim when they are valid JSON, else a JSON
	// string of their text; both are cut at contract.MaxEvidenceBody bytes.
	Request json.RawMessage `json:"request,omitempty"`
	Status  int             `json:"status"`
	Body    json.RawMessage `json:"body,omitempty"`
	KeySent string          `json:"key_sent,omitempty"`
	Note    string          `json:"note,omitempty"`
}

// Finding is one verdict of one check on one rule.
type Finding struct {
	Rule     string       `json:"rule"`
	Check    string       `json:"check"`
	Area     string       `json:"area"`
	Kind     api.RuleKind `json:"kind"`
	Status   Status       `json:"status"`
	Message  string       `json:"message"`
	Evidence *Evidence    `json:"evidence,omitempty"`
	// Trail holds earlier exchanges the verdict rests on (e.g. the balance
	// read before a state-changing call).
	Trail []Evidence `json:"trail,omitempty"`
	// NotInScope marks a skip the user chose (--read-only, no --slow): the
	// rule is not in the run's scope, so it is not counted as unverified.
	// A skip without it is unverified: nothing but the user's own choice
	// may leave a rule out without making the run incomplete.
	NotInScope bool `json:"not_in_scope,omitempty"`
}

// Unverified reports whether the finding is a skip the user did not
// choose: the fixtures or the target could not exercise the rule.
func (f Finding) Unverified() bool { return f.Status == Skip && !f.NotInScope }

// SkippedFor reports whether the finding is a skip for that reason
// (ReadOnlyReason, InterruptedReason).
func (f Finding) SkippedFor(reason string) bool {
	return f.Status == Skip && strings.HasPrefix(f.Message, reason+":")
}

// How the messages of the skips the suite records for the whole run
// begin: the reason is the first word, so it reads the same in every
// report.
const (
	// ReadOnlyReason begins the skip of a check that needs a hold,
	// release or retail, which --read-only forbids: not in scope, by the
	// user's choice (Finding.NotInScope).
	ReadOnlyReason = "read-only"
	// InterruptedReason begins the skip of the check running when the
	// run was interrupted: unverified.
	InterruptedReason = "interrupted"
)

// CheckCounts counts checks by verdict, a check on a rule being one unit
// whatever number of cases it tried (see CheckVerdicts); RuleCounts
// counts rules by coverage. Skip counts checks left unverified,
// NotInScope those the user left out.
type CheckCounts struct {
	Pass       int `json:"pass"`
	Fail       int `json:"fail"`
	Warn       int `json:"warn"`
	Skip       int `json:"skip"`
	NotInScope int `json:"not_in_scope"`
}
