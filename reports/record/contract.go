package record

import (
	"fmt"
	"strings"
	"time"

	"loyalcheck/api"
)

// The contract section of a record: the run's settings, its findings
// grouped as every report shows them (by area, then by check on a rule,
// each check with its cases), and the judgements over them (counts, every
// rule's coverage, the notes), computed once by NewContract.

// ContractRun is what a contract run was asked: what the suite's result
// (contract.Result) and its record section both begin with.
type ContractRun struct {
	Target  string    `json:"target"`
	Profile string    `json:"profile"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
	// Only is the --only selection the run was limited to: the rules it
	// leaves out are not in scope.
	Only []string `json:"only,omitempty"`
	// AcceptUnverified are the rule ids the user accepted unverified
	// (--accept-unverified), as given.
	AcceptUnverified []string `json:"accept_unverified,omitempty"`
}

// Contract is a contract run.
type Contract struct {
	ContractRun
	ReadOnly    bool `json:"read_only,omitempty"`
	Interrupted bool `json:"interrupted,omitempty"`
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

// NewContract judges a contract run's findings into its record section:
// c holds what the run was (target, profile, times, --only,
// --accept-unverified, read-only, interrupted, holds left), cov every
// rule's coverage (CoverageOf); the counts, notes and areas are computed
// here.
func NewContract(c Contract, findings []Finding, cov []RuleCoverage) *Contract {
	c.Summary = CountChecks(findings)
	c.Rules = CountRules(cov)
	c.Coverage = append([]RuleCoverage{}, cov...)
	c.CoverageNotes = []CoverageNote{}
	for _, n := range CoverageNotes(cov) {
		n.Rules = append([]RuleCoverage{}, n.Rules...)
		c.CoverageNotes = append(c.CoverageNotes, n)
	}
	c.Notes = nonNil(c.notes(findings))
	c.Areas = areasOf(findings)
	return &c
}

// notes says, one line each, what a reader of any report of the run must
// know besides the findings: that it was read-only or interrupted, and
// which holds it could not release.
func (c *Contract) notes(findings []Finding) []string {
	var out []string
	if c.ReadOnly {
		k := 0
		for _, f := range findings {
			if f.SkippedFor(ReadOnlyReason) {
				k++
			}
		}
		out = append(out, fmt.Sprintf("read-only: only search and recalc were sent; %d checks needing hold, release or retail were skipped", k))
	}
	if c.Interrupted {
		out = append(out, "interrupted: the run was stopped before its end; checks not run are missing and the one running is skipped")
	}
	if len(c.Unreleased) > 0 {
		out = append(out, fmt.Sprintf("HOLDS LEFT ACTIVE: %d holds the run made could not be released and stay until they expire: %s",
			len(c.Unreleased), strings.Join(c.Unreleased, ", ")))
	}
	if len(c.Unanswered) > 0 {
		out = append(out, fmt.Sprintf("HOLDS MAYBE ACTIVE: %d holds asked for got no answer (id unknown, so not released; if the target made them they stay until they expire): %s",
			len(c.Unanswered), strings.Join(c.Unanswered, "; ")))
	}
	return out
}

// areasOf groups findings by area in report order (areas the catalogue
// does not know last, in order of appearance), then by check.
func areasOf(fs []Finding) []Area {
	idx := map[string]int{}
	var groups [][]Finding
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
		a := Area{Area: names[i], Summary: CountChecks(g), Checks: []CheckVerdict{}}
		for _, cv := range CheckVerdicts(g) {
			cv.Cases = append([]Finding{}, cv.Cases...)
			a.Checks = append(a.Checks, cv)
		}
		out = append(out, a)
	}
	return out
}
