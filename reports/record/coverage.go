package record

import (
	"fmt"
	"regexp"
	"strings"

	"loyalcheck/api"
)

// Coverage says, per rule, what a run established: every rule of the
// catalogue is verified, failed, warned, unverified (with the reason) or
// not in scope (by the user's own choice). It is computed here only, from
// the findings, so that every report and the verdict agree.

// CoverageState is what a run established about one rule.
type CoverageState string

// Coverage states, in the order a report lists them.
const (
	Failed     CoverageState = "failed"
	Unverified CoverageState = "unverified"
	// Accepted is a rule left unverified that the user accepted by name
	// (--accept-unverified): it does not make the run incomplete.
	Accepted   CoverageState = "accepted"
	Warned     CoverageState = "warned"
	Verified   CoverageState = "verified"
	NotInScope CoverageState = "not in scope"
)

// RuleCoverage is one rule's coverage.
type RuleCoverage struct {
	Rule  string        `json:"rule"`
	Kind  api.RuleKind  `json:"kind"`
	Area  string        `json:"area"`
	State CoverageState `json:"state"`
	// Reason says why a rule is unverified, accepted or not in scope, and
	// which parts of a verified rule were not in scope.
	Reason string `json:"reason,omitempty"`
}

// Doc reports whether the rule has a part in the vendor's own words: such
// a rule left unverified makes a run incomplete.
func (c RuleCoverage) Doc() bool { return c.Kind == api.KindDoc || c.Kind == api.KindDocInterp }

// RuleCounts counts rules by coverage state.
type RuleCounts struct {
	Verified   int `json:"verified"`
	Failed     int `json:"failed"`
	Warned     int `json:"warned"`
	Unverified int `json:"unverified"`
	Accepted   int `json:"accepted"`
	NotInScope int `json:"not_in_scope"`
}

func (n *RuleCounts) add(s CoverageState) {
	switch s {
	case Verified:
		n.Verified++
	case Failed:
		n.Failed++
	case Warned:
		n.Warned++
	case Unverified:
		n.Unverified++
	case Accepted:
		n.Accepted++
	case NotInScope:
		n.NotInScope++
	}
}

// CheckVerdict is one check on one rule, with the cases it tried: the
// unit the summary counts. A check that tried three amounts and saw two
// of them wrong is one failed check with three cases.
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
// when it passed, or when none has a status this build knows, as in a
// hand-edited record). It is never empty for a check from CheckVerdicts.
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

// checkRank orders a check's findings: the worst decides its verdict. An
// unverified skip outranks a pass (part of the check was not done), a
// skip the user chose does not.
func checkRank(f Finding) int {
	switch {
	case f.Status == Fail:
		return 5
	case f.Status == Warn:
		return 4
	case f.Unverified():
		return 3
	case f.Status == Pass:
		return 2
	case f.Status == Skip:
		return 1
	}
	return 0
}

// CheckVerdicts groups findings by check and rule, in order of first
// appearance.
func CheckVerdicts(fs []Finding) []CheckVerdict {
	idx := map[[2]string]int{}
	var out []CheckVerdict
	best := []int{}
	for _, f := range fs {
		k := [2]string{f.Check, f.Rule}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, CheckVerdict{Rule: f.Rule, Check: f.Check, Area: f.Area, Kind: f.Kind})
			best = append(best, 0)
		}
		c := &out[i]
		c.Cases = append(c.Cases, f)
		if r := checkRank(f); r > best[i] {
			best[i] = r
			c.Status, c.NotInScope = f.Status, f.Status == Skip && f.NotInScope
		}
	}
	return out
}

// CountChecks counts the checks of findings by verdict.
func CountChecks(fs []Finding) CheckCounts {
	var s CheckCounts
	for _, c := range CheckVerdicts(fs) {
		switch {
		case c.Status == Pass:
			s.Pass++
		case c.Status == Fail:
			s.Fail++
		case c.Status == Warn:
			s.Warn++
		case c.NotInScope:
			s.NotInScope++
		default:
			s.Skip++
		}
	}
	return s
}

// CountRules counts rules by coverage state.
func CountRules(cov []RuleCoverage) RuleCounts {
	var n RuleCounts
	for _, c := range cov {
		n.add(c.State)
	}
	return n
}

// CoverageOf computes every rule's coverage from a run's findings, the
// rules accepted unverified (as given) and its --only selection (whether
// it reaches a rule, by id or by a check's name, which the contract
// engine knows). A rule no check reached is unverified unless --only
// left it out: only the user's choice puts a rule out of scope.
func CoverageOf(fs []Finding, acceptUnverified []string, selected func(rule string) bool) []RuleCoverage {
	byRule := map[string][]Finding{}
	for _, f := range fs {
		byRule[f.Rule] = append(byRule[f.Rule], f)
	}
	accepted := map[string]bool{}
	for _, id := range acceptUnverified {
		accepted[strings.ToUpper(id)] = true
	}
	out := make([]RuleCoverage, 0, len(api.Rules()))
	for _, rule := range api.Rules() {
		c := RuleCoverage{Rule: rule.ID, Kind: rule.Kind, Area: rule.Area}
		var fail, warn, pass bool
		var unverified, outside []string
		for _, f := range byRule[rule.ID] {
			switch {
			case f.Status == Fail:
				fail = true
			case f.Status == Warn:
				warn = true
			case f.Status == Pass:
				pass = true
			case f.Unverified():
				unverified = appendNew(unverified, f.Check+": "+oneLineText(f.Message))
			case f.Status == Skip:
				outside = appendNew(outside, f.Check+": "+oneLineText(f.Message))
			}
		}
		switch {
		case fail:
			c.State = Failed
		case len(unverified) > 0:
			c.State, c.Reason = Unverified, strings.Join(unverified, "; ")
		case warn:
			c.State = Warned
		case pass:
			c.State = Verified
			if len(outside) > 0 {
				c.Reason = "partly not in scope: " + strings.Join(outside, "; ")
			}
		case len(outside) > 0:
			c.State, c.Reason = NotInScope, strings.Join(outside, "; ")
		case !selected(rule.ID):
			c.State, c.Reason = NotInScope, OnlyReason
		default:
			c.State, c.Reason = Unverified, "no check reached a verdict on it (the run ended early)"
		}
		if c.State == Unverified && accepted[rule.ID] {
			c.State = Accepted
			c.Reason += " (accepted by --accept-unverified)"
		}
		out = append(out, c)
	}
	return out
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func oneLineText(s string) string { return strings.Join(strings.Fields(s), " ") }

// CoverageNote is a group of rules not fully verified for one reason:
// what the reports list under the rules not verified.
type CoverageNote struct {
	State  CoverageState  `json:"state"`
	Reason string         `json:"reason"`
	Rules  []RuleCoverage `json:"rules"`
}

// OnlyReason is why a rule --only left out is not in scope.
const OnlyReason = "not selected by --only"

// RuleList is "S3 (doc), C5 (interp)"; the rules --only left out are
// only counted.
func (n CoverageNote) RuleList() string {
	if n.Reason == OnlyReason && len(n.Rules) > 1 {
		return fmt.Sprintf("%d rules", len(n.Rules))
	}
	parts := make([]string, len(n.Rules))
	for i, c := range n.Rules {
		parts[i] = c.Rule + " (" + string(c.Kind) + ")"
	}
	return strings.Join(parts, ", ")
}

// CoverageNotes groups the rules that are unverified, accepted, not in
// scope, or verified with a part not in scope, by state and reason, in
// that order and then in catalogue order.
//
// Rules group by reason without the names of the checks that gave it (a
// --read-only run leaves thirty checks out for one reason); a note of a
// single rule keeps them.
func CoverageNotes(cov []RuleCoverage) []CoverageNote {
	var out []CoverageNote
	for _, st := range []CoverageState{Unverified, Accepted, NotInScope, Verified} {
		idx := map[string]int{}
		for _, c := range cov {
			if c.State != st || c.Reason == "" {
				continue
			}
			key := withoutChecks(c.Reason)
			i, ok := idx[key]
			if !ok {
				i = len(out)
				idx[key] = i
				out = append(out, CoverageNote{State: st, Reason: c.Reason})
			}
			out[i].Rules = append(out[i].Rules, c)
			if len(out[i].Rules) > 1 {
				out[i].Reason = key
			}
		}
	}
	return out
}

// checkPrefix is how CoverageOf names the check a part of a reason comes
// from: "h6-expiry: " at the start of the reason or of a part of it.
var checkPrefix = regexp.MustCompile(`(^|; |partly not in scope: )[a-z][a-z0-9]*(?:-[a-z0-9]+)*: `)

// withoutChecks drops the check names from a reason CoverageOf wrote,
// and the parts that are then the same: "h6-expiry: needs --slow"
// becomes "needs --slow".
func withoutChecks(reason string) string {
	var out []string
	for _, p := range strings.Split(checkPrefix.ReplaceAllString(reason, "${1}"), "; ") {
		out = appendNew(out, p)
	}
	return strings.Join(out, "; ")
}

// Label is how a report names a note's state: a verified rule with a part
// left out is "partly not in scope".
func (n CoverageNote) Label() string {
	if n.State == Verified {
		return "verified"
	}
	return string(n.State)
}

// String is "44 checks: 43 pass, 1 fail", leaving out zeros except
// pass.
func (s CheckCounts) String() string {
	n := s.Pass + s.Fail + s.Warn + s.Skip + s.NotInScope
	parts := []string{fmt.Sprintf("%d pass", s.Pass)}
	for _, p := range []struct {
		n    int
		word string
	}{{s.Fail, "fail"}, {s.Warn, "warn"}, {s.Skip, "unverified"}, {s.NotInScope, "not in scope"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.word))
		}
	}
	word := "checks"
	if n == 1 {
		word = "check"
	}
	return fmt.Sprintf("%d %s: %s", n, word, strings.Join(parts, ", "))
}

// String is "45 rules: 44 verified, 1 not in scope", leaving out zeros
// except verified.
func (n RuleCounts) String() string {
	total := n.Verified + n.Failed + n.Warned + n.Unverified + n.Accepted + n.NotInScope
	parts := []string{fmt.Sprintf("%d verified", n.Verified)}
	for _, p := range []struct {
		n    int
		word string
	}{{n.Failed, "failed"}, {n.Warned, "warned"}, {n.Unverified, "unverified"}, {n.Accepted, "accepted unverified"}, {n.NotInScope, "not in scope"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.word))
		}
	}
	return fmt.Sprintf("%d rules: %s", total, strings.Join(parts, ", "))
}
