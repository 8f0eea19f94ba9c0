package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"loyalcheck/api"
)

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

// MaxEvidenceBody caps the request and response bodies kept in evidence.
const MaxEvidenceBody = 4 << 10

// Evidence is one exchange with the target, as it went over the wire. It
// never holds the apikey: api.Exchange does not keep it, and KeySent only
// says which kind of key went out ("configured", "none" or "other").
type Evidence struct {
	Endpoint string `json:"endpoint"`
	Method   string `json:"method,omitempty"` // only when not POST
	URL      string `json:"url"`
	// Request and Body are verbatim when they are valid JSON, else a JSON
	// string of their text; both are cut at MaxEvidenceBody bytes.
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

// Summary counts checks by verdict, a check on a rule being one unit
// whatever number of cases it tried (see CheckVerdicts); Result.Rules
// counts rules by coverage. Skip counts checks left unverified,
// NotInScope those the user left out.
type Summary struct {
	Pass       int `json:"pass"`
	Fail       int `json:"fail"`
	Warn       int `json:"warn"`
	Skip       int `json:"skip"`
	NotInScope int `json:"not_in_scope"`
}

// Result is the record of one contract run.
type Result struct {
	Target  string    `json:"target"`
	Profile string    `json:"profile"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
	// Only is the --only selection the run was limited to: the rules it
	// leaves out are not in scope.
	Only []string `json:"only,omitempty"`
	// AcceptUnverified are the rule ids the user accepted unverified
	// (--accept-unverified), as given.
	AcceptUnverified []string  `json:"accept_unverified,omitempty"`
	Findings         []Finding `json:"findings"`
	Summary          Summary   `json:"summary"`
	// Rules counts the rules by coverage.
	Rules RuleCounts `json:"rules"`
	// Coverage is every rule's coverage (CoverageOf), in catalogue order.
	Coverage []RuleCoverage `json:"coverage,omitempty"`
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

// Notes says, one line each, what a reader of any report of the run must
// know besides the findings: that it was read-only or interrupted, and
// which holds it could not release.
func (r *Result) Notes() []string {
	var out []string
	if r.ReadOnly {
		k := 0
		for _, f := range r.Findings {
			if f.SkippedFor(ReadOnlyReason) {
				k++
			}
		}
		out = append(out, fmt.Sprintf("read-only: only search and recalc were sent; %d checks needing hold, release or retail were skipped", k))
	}
	if r.Interrupted {
		out = append(out, "interrupted: the run was stopped before its end; checks not run are missing and the one running is skipped")
	}
	if len(r.Unreleased) > 0 {
		out = append(out, fmt.Sprintf("HOLDS LEFT ACTIVE: %d holds the run made could not be released and stay until they expire: %s",
			len(r.Unreleased), strings.Join(r.Unreleased, ", ")))
	}
	if len(r.Unanswered) > 0 {
		out = append(out, fmt.Sprintf("HOLDS MAYBE ACTIVE: %d holds asked for got no answer (id unknown, so not released; if the target made them they stay until they expire): %s",
			len(r.Unanswered), strings.Join(r.Unanswered, "; ")))
	}
	return out
}
