package openapi

import (
	"regexp"

	"loyalcheck/api"
)

// ruleToken is what a rule id looks like in a schema's x-rule or prose
// ("G8", "RT3"); only ids the catalogue knows count.
var ruleToken = regexp.MustCompile(`\b[A-Z]{1,2}[0-9]+\b`)

// operationRules returns the ids of the rules an endpoint's operation is
// checked against, in catalogue order: the general rules (they concern
// every endpoint), the rules of the endpoint's own area, and every rule
// its schemas name in an x-rule or a description (release has no area of
// its own; its schemas name H7, B4 and the general ones).
func operationRules(ep api.Endpoint, schemaDocs ...any) []string {
	named := map[string]bool{}
	for _, d := range schemaDocs {
		collectRuleIDs(d, named)
	}
	var ids []string
	for _, r := range api.Rules() {
		if r.Area == api.AreaGeneral || r.Area == string(ep) || named[r.ID] {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// collectRuleIDs adds every rule id found in the strings of v (keys of an
// x-rule object are keywords, not ids, and are skipped with every other key).
func collectRuleIDs(v any, into map[string]bool) {
	switch x := v.(type) {
	case string:
		for _, tok := range ruleToken.FindAllString(x, -1) {
			if r, ok := api.RuleByID(tok); ok {
				into[r.ID] = true
			}
		}
	case map[string]any:
		for _, e := range x {
			collectRuleIDs(e, into)
		}
	case []any:
		for _, e := range x {
			collectRuleIDs(e, into)
		}
	}
}
