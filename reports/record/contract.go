package record

import (
	"encoding/json"
	"time"

	"loyalcheck/api"
	"loyalcheck/contract"
)

// The contract section of a record: the run's settings, its findings
// grouped as every report shows them (by area, then by check on a rule,
// each check with its cases), and the judgements over them (counts, every
// rule's coverage, the notes), computed once by FromContract.

// Status is a finding's verdict (pass, fail, warn, skip).
type Status = contract.Status

// Finding statuses.
const (
	Pass = contract.Pass
	Fail = contract.Fail
	Warn = contract.Warn
	Skip = contract.Skip
)

// CoverageState is what a run established about one rule.
type CoverageState = contract.CoverageState

// Coverage states.
const (
	Failed     = contract.Failed
	Unverified = contract.Unverified
	Accepted   = contract.Accepted
	Warned     = contract.Warned
	Verified   = contract.Verified
	NotInScope = contract.NotInScope
)

// OnlyReason is the reason of a rule --only left out.
const OnlyReason = contract.OnlyReason

// Contract is a contract run.
type Contract struct {
	Target  string    `json:"target"`
	Profile string    `json:"profile"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
	// Only is the --only selection the run was limited to.
	Only []string `json:"only,omitempty"`
	// AcceptUnverified are the rule ids accepted unverified, as given.
	AcceptUnverified []string `json:"accept_unverified,omitempty"`
	ReadOnly         bool     `json:"read_only,omitempty"`
	Interrupted      bool     `json:"interrupted,omitempty"`
	// Unreleased lists the ids of holds the run made and could not release.
	Unreleased []string `json:"unreleased_holds,omitempty"`
	// Unanswered lists the holds asked for that got no answer: the target
	// may have made them, and then they stay until they expire.
	Unanswered []string `json:"unanswered_holds,omitempty"`
	// Summary counts checks by verdict, Rules counts rules by coverage.
	Summary CheckCounts `json:"summary"`
	Rules   RuleCounts  `json:"rules"`
	// Coverage is every rule's coverage in catalogue order; CoverageNotes
	// group the rules not fully verified by state and reason.
	Coverage      []RuleCoverage `json:"coverage"`
	CoverageNotes []CoverageNote `json:"coverage_notes"`
	// Notes are what a reader must know besides the findings (read-only,
	// interrupted, holds left active), one line each.
	Notes []string `json:"notes"`
	// Areas hold the findings: by area in report order, then by check.
	Areas []Area `json:"areas"`
}

// Findings are every finding of the run, area by area and check by check.
func (c *Contract) Findings() []Finding {
	var out []Finding
	for _, a := range c.Areas {
		for _, ch := range a.Checks {
			out = append(out, ch.Cases...)
		}
	}
	return out
}

// IncompleteRules are the doc rules the run left unverified and the user
// did not accept: each makes the verdict INCOMPLETE.
func (c *Contract) IncompleteRules() []RuleCoverage {
	var out []RuleCoverage
	for _, rc := range c.Coverage {
		if rc.State == Unverified && rc.Doc() {
			out = append(out, rc)
		}
	}
	return out
}

// Area is the checks of one area of the API, and their counts.
type Area struct {
	Area    string         `json:"area"`
	Summary CheckCounts    `json:"summary"`
	Checks  []CheckVerdict `json:"checks"`
}

// CheckVerdict is one check on one rule with the cases it tried: the unit
// the counts count. Its status is its worst case's.
type CheckVerdict struct {
	Rule   string       `json:"rule"`
	Check  string       `json:"check"`
	Area   string       `json:"area"`
	Kind   api.RuleKind `json:"kind"`
	Status Status       `json:"status"`
	// NotInScope is set on a skipped check the user left out.
	NotInScope bool `json:"not_in_scope,omitempty"`
	// Cases are the check's findings in run order.
	Cases []Finding `json:"cases"`
}

// ProblemCases are the cases that make the check's status (all of them
// when it passed, or when none has the check's status).
func (c CheckVerdict) ProblemCases() []Finding {
	var out []Finding
	for _, f := range c.Cases {
		if f.Status == c.Status {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return c.Cases
	}
	return out
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
	// Trail holds earlier exchanges the verdict rests on.
	Trail []Evidence `json:"trail,omitempty"`
	// NotInScope marks a skip the user chose.
	NotInScope bool `json:"not_in_scope,omitempty"`
}

// Evidence is one exchange with the target as it went over the wire,
// never with the apikey (KeySent says only which kind of key went out).
type Evidence struct {
	Endpoint string          `json:"endpoint"`
	Method   string          `json:"method,omitempty"`
	URL      string          `json:"url"`
	Request  json.RawMessage `json:"request,omitempty"`
	Status   int             `json:"status"`
	Body     json.RawMessage `json:"body,omitempty"`
	KeySent  string          `json:"key_sent,omitempty"`
	Note     string          `json:"note,omitempty"`
}

// CheckCounts counts checks by verdict; Skip counts checks left
// unverified, NotInScope those the user left out.
type CheckCounts struct {
	Pass       int `json:"pass"`
	Fail       int `json:"fail"`
	Warn       int `json:"warn"`
	Skip       int `json:"skip"`
	NotInScope int `json:"not_in_scope"`
}

// String is "44 checks: 43 pass, 1 fail".
func (s CheckCounts) String() string { return contract.CheckCountText(contract.Summary(s)) }

// RuleCounts counts rules by coverage state.
type RuleCounts struct {
	Verified   int `json:"verified"`
	Failed     int `json:"failed"`
	Warned     int `json:"warned"`
	Unverified int `json:"unverified"`
	Accepted   int `json:"accepted"`
	NotInScope int `json:"not_in_scope"`
}

// String is "45 rules: 44 verified, 1 not in scope".
func (n RuleCounts) String() string { return contract.RuleCountText(contract.RuleCounts(n)) }

// RuleCoverage is one rule's coverage; Reason says why a rule is
// unverified, accepted or not in scope, and which parts of a verified
// rule were not in scope.
type RuleCoverage struct {
	Rule   string        `json:"rule"`
	Kind   api.RuleKind  `json:"kind"`
	Area   string        `json:"area"`
	State  CoverageState `json:"state"`
	Reason string        `json:"reason,omitempty"`
}

// Doc reports whether the rule has a part in the vendor's own words: such
// a rule left unverified makes a run incomplete.
func (c RuleCoverage) Doc() bool { return contract.RuleCoverage(c).Doc() }

// CoverageNote is a group of rules not fully verified for one reason.
type CoverageNote struct {
	State  CoverageState  `json:"state"`
	Reason string         `json:"reason"`
	Rules  []RuleCoverage `json:"rules"`
}

func (n CoverageNote) engine() contract.CoverageNote {
	out := contract.CoverageNote{State: n.State, Reason: n.Reason}
	for _, rc := range n.Rules {
		out.Rules = append(out.Rules, contract.RuleCoverage(rc))
	}
	return out
}

// RuleList is "S3 (doc), C5 (interp)", or a count of rules --only left out.
func (n CoverageNote) RuleList() string { return n.engine().RuleList() }

// Label is how a report names the note's state.
func (n CoverageNote) Label() string { return n.engine().Label() }

// FromContract converts a contract run and judges it: checks by area,
// counts, coverage and notes. nil stays nil.
func FromContract(r *contract.Result) *Contract {
	if r == nil {
		return nil
	}
	cov := contract.CoverageOf(r)
	c := &Contract{
		Target: r.Target, Profile: r.Profile, Started: r.Started, Ended: r.Ended,
		Only: r.Only, AcceptUnverified: r.AcceptUnverified,
		ReadOnly: r.ReadOnly, Interrupted: r.Interrupted, Unreleased: r.Unreleased, Unanswered: r.Unanswered,
		Summary:       CheckCounts(contract.Summarize(r)),
		Rules:         RuleCounts(contract.CountRules(cov)),
		Coverage:      make([]RuleCoverage, 0, len(cov)),
		CoverageNotes: []CoverageNote{},
		Notes:         nonNil(r.Notes()),
		Areas:         areasOf(r.Findings),
	}
	for _, rc := range cov {
		c.Coverage = append(c.Coverage, RuleCoverage(rc))
	}
	for _, n := range contract.CoverageNotes(cov) {
		cn := CoverageNote{State: n.State, Reason: n.Reason, Rules: []RuleCoverage{}}
		for _, rc := range n.Rules {
			cn.Rules = append(cn.Rules, RuleCoverage(rc))
		}
		c.CoverageNotes = append(c.CoverageNotes, cn)
	}
	return c
}

// areasOf groups findings by area in report order (areas the catalogue
// does not know last, in order of appearance), then by check.
func areasOf(fs []contract.Finding) []Area {
	idx := map[string]int{}
	var groups [][]contract.Finding
	var names []string
	for _, a := range api.Areas() {
		idx[a] = len(names)
		names = append(names, a)
		groups = append(groups, nil)
	}
	for _, f := range fs {
		i, ok := idx[f.Area]
		if !ok {
			i = len(names)
			idx[f.Area] = i
			names = append(names, f.Area)
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], f)
	}
	out := []Area{}
	for i, g := range groups {
		if len(g) == 0 {
			continue
		}
		a := Area{Area: names[i], Summary: CheckCounts(contract.Summarize(&contract.Result{Findings: g})), Checks: []CheckVerdict{}}
		for _, cv := range contract.CheckVerdicts(g) {
			ch := CheckVerdict{Rule: cv.Rule, Check: cv.Check, Area: cv.Area, Kind: cv.Kind, Status: cv.Status, NotInScope: cv.NotInScope, Cases: []Finding{}}
			for _, f := range cv.Cases {
				ch.Cases = append(ch.Cases, findingOf(f))
			}
			a.Checks = append(a.Checks, ch)
		}
		out = append(out, a)
	}
	return out
}

func findingOf(f contract.Finding) Finding {
	out := Finding{Rule: f.Rule, Check: f.Check, Area: f.Area, Kind: f.Kind, Status: f.Status, Message: f.Message, NotInScope: f.NotInScope}
	if f.Evidence != nil {
		e := Evidence(*f.Evidence)
		out.Evidence = &e
	}
	for _, e := range f.Trail {
		out.Trail = append(out.Trail, Evidence(e))
	}
	return out
}
