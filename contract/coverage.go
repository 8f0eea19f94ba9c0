package contract

import (
	"fmt"
	"slices"
	"strings"

	"loyalcheck/api"
	"loyalcheck/reports/record"
)

// Coverage says, per rule, what a run established (record.CoverageOf
// judges it from the findings, for the suite's verdict and every report
// alike); the suite adds what only it knows: which rules an --only
// selection of check names reaches.

// Summarize counts the run's checks by verdict.
func Summarize(r *Result) record.CheckCounts { return record.CountChecks(r.Findings) }

// CoverageOf computes every rule's coverage from the run's findings, its
// --only selection and the rules accepted unverified.
func CoverageOf(r *Result) []record.RuleCoverage {
	return record.CoverageOf(r.Findings, r.AcceptUnverified, func(rule string) bool { return selectedRule(r.Only, rule) })
}

// selectedRule reports whether an --only selection reaches the rule: by
// its id or by the name of one of its checks.
func selectedRule(only []string, rule string) bool {
	if len(only) == 0 {
		return true
	}
	for _, id := range only {
		if strings.EqualFold(id, rule) {
			return true
		}
		for _, c := range registry() {
			if c.rule == rule && strings.EqualFold(id, c.name) {
				return true
			}
		}
	}
	return false
}

// IncompleteRules are the doc rules the run left unverified and the user
// did not accept: each makes the verdict INCOMPLETE.
func (r *Result) IncompleteRules() []record.RuleCoverage {
	if r == nil {
		return nil
	}
	var out []record.RuleCoverage
	for _, c := range CoverageOf(r) {
		if c.State == record.Unverified && c.Doc() {
			out = append(out, c)
		}
	}
	return out
}

// Incomplete reports whether a doc rule was left unverified and not
// accepted: the run cannot pass, though nothing failed.
func (r *Result) Incomplete() bool { return len(r.IncompleteRules()) > 0 }

// Verdict is PASS, FAIL (a finding failed) or INCOMPLETE (nothing failed
// but a doc rule is unverified and not accepted).
func (r *Result) Verdict() string {
	switch {
	case r.Failed():
		return "FAIL"
	case r.Incomplete():
		return "INCOMPLETE"
	}
	return "PASS"
}

// ValidateRuleIDs reports the ids that name no rule of the catalogue
// (--accept-unverified takes rule ids only, never check names).
func ValidateRuleIDs(ids ...string) error {
	var bad []string
	for _, id := range splitIDs(ids) {
		if _, ok := api.RuleByID(id); !ok {
			bad = append(bad, fmt.Sprintf("%q", id))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("unknown rule id %s (see 'loyalcheck contract --list')", strings.Join(bad, ", "))
	}
	return nil
}

// splitIDs splits comma-separated ids, trimming blanks.
func splitIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		for _, p := range strings.Split(id, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// normalizeIDs writes rule ids as the catalogue spells them, once each.
func normalizeIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if r, ok := api.RuleByID(id); ok {
			if !slices.Contains(out, r.ID) {
				out = append(out, r.ID)
			}
		}
	}
	return out
}
