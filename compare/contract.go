package compare

import (
	"slices"
	"strconv"
	"strings"

	"loyalcheck/reports/record"
)

// ContractDiff compares the contract rules two runs verified (the run
// record's type, so a record holds it as compare judged it).
type ContractDiff = record.RuleDiff

func diffRules(base, newer map[string]bool) *ContractDiff {
	d := &ContractDiff{Regressed: []string{}, Fixed: []string{}, StillFailing: []string{}, NewlyFailing: []string{}, Unverified: []string{}}
	for id, passed := range newer {
		was, verified := base[id]
		switch {
		case !verified && !passed:
			d.NewlyFailing = append(d.NewlyFailing, id)
		case !verified:
		case was && !passed:
			d.Regressed = append(d.Regressed, id)
		case !was && passed:
			d.Fixed = append(d.Fixed, id)
		case !was && !passed:
			d.StillFailing = append(d.StillFailing, id)
		}
	}
	for id := range base {
		if _, ok := newer[id]; !ok {
			d.Unverified = append(d.Unverified, id)
		}
	}
	for _, ids := range [][]string{d.Regressed, d.Fixed, d.StillFailing, d.NewlyFailing, d.Unverified} {
		slices.SortFunc(ids, compareRuleIDs)
	}
	return d
}

// compareRuleIDs orders ids by letters, then number, then the rest.
func compareRuleIDs(a, b string) int {
	split := func(s string) (string, int, string) {
		i := strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
		if i < 0 {
			return s, 0, ""
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n, _ := strconv.Atoi(s[i:j])
		return s[:i], n, s[j:]
	}
	ap, an, ar := split(a)
	bp, bn, br := split(b)
	if c := strings.Compare(ap, bp); c != 0 {
		return c
	}
	if an != bn {
		return an - bn
	}
	return strings.Compare(ar, br)
}
