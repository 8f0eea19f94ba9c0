package api

import "strings"

// RuleKind says where a rule comes from: the vendor's words (doc) or the
// careful reading that fills a gap in them (interp). A broken doc rule is a
// failure, a broken interp rule a warning; a doc+interp rule has parts of
// both and each check says which part a finding concerns.
type RuleKind string

// Rule kinds.
const (
	KindDoc       RuleKind = "doc"
	KindInterp    RuleKind = "interp"
	KindDocInterp RuleKind = "doc+interp"
)

// Rule is one numbered rule of the API's specification. IDs are those of
// SPEC.md; the summaries are the project's own words. This catalogue is the
// single list of rules every check, fault and report refers to.
type Rule struct {
	ID      string   `json:"id"`
	Kind    RuleKind `json:"kind"`
	Area    string   `json:"area"`
	Summary string   `json:"summary"`
}

// Rule areas: one per endpoint with rules of its own, named after it,
// and the rules about all of them.
const (
	AreaGeneral  = "general"
	AreaSearch   = string(EpSearch)
	AreaRecalc   = string(EpRecalc)
	AreaHold     = string(EpHold)
	AreaRetail   = string(EpRetail)
	AreaLedger   = "ledger"
	AreaBadInput = "bad input"
)

// Areas returns the rule areas in report order: general, the endpoints' in
// call order, then ledger and bad input.
func Areas() []string {
	return []string{AreaGeneral, AreaSearch, AreaRecalc, AreaHold, AreaRetail, AreaLedger, AreaBadInput}
}

// Rules returns every rule in specification order.
func Rules() []Rule {
	return []Rule{
		{"G1", KindDoc, AreaGeneral, "Five POST endpoints taking JSON bodies, meant to be called search, recalc, optional hold, retail."},
		{"G2", KindDoc, AreaGeneral, "Each request sends its key in the apikey header."},
		{"G3", KindInterp, AreaGeneral, "Without the right apikey nothing succeeds or changes; 422 expected, 401/403 tolerated."},
		{"G4", KindDoc, AreaGeneral, "Errors come as HTTP 422 with a JSON object mapping the offending field to a message string."},
		{"G5", KindInterp, AreaGeneral, "An error object may add \"success\": false but nothing other than field/message strings."},
		{"G6", KindInterp, AreaGeneral, "Success is HTTP 200 with \"success\": true and the endpoint's payload."},
		{"G7", KindInterp, AreaGeneral, "A refused request leaves balances and holds untouched."},
		{"G8", KindInterp, AreaGeneral, "Identifiers are non-empty opaque strings; money and points are JSON numbers."},

		{"S1", KindDoc, AreaSearch, "Searching an unknown identifier gives 422 {\"client\": \"Client not found.\"}."},
		{"S2", KindDoc, AreaSearch, "An unknown point gives 422 {\"point\": \"Point not found.\"}."},
		{"S3", KindDoc, AreaSearch, "A discount-level client always shows balance 0."},
		{"S4", KindDocInterp, AreaSearch, "The balance shown excludes active holds, except holds the request lists, which count as available."},
		{"S5", KindDocInterp, AreaSearch, "A client is found by each of its identifiers: phone, card and app code (doc); all of them find the same client id (interp)."},
		{"S6", KindInterp, AreaSearch, "photo, birthday and email may be null or missing; when given they are strings of the documented form."},
		{"S7", KindInterp, AreaSearch, "Level percent and maxSpendPercent lie in 0..100 and the balance is not negative."},

		{"C1", KindDoc, AreaRecalc, "recalc echoes the amount and reports the client's level type."},
		{"C2", KindDoc, AreaRecalc, "cashback: the spendable amount is within the available balance and within maxSpendPercent of the receipt."},
		{"C3", KindInterp, AreaRecalc, "cashback: the spendable amount is exactly that bound: spending it succeeds, one point more is refused."},
		{"C4", KindDoc, AreaRecalc, "cashback: earn is amount x percent / 100, give or take one point of rounding."},
		{"C5", KindInterp, AreaRecalc, "discount: spend and earn are both 0."},
		{"C6", KindInterp, AreaRecalc, "recalc changes neither balance nor holds."},
		{"C7", KindInterp, AreaRecalc, "A missing, non-numeric, zero or negative amount is refused with key amount."},

		{"H1", KindDoc, AreaHold, "An accepted hold echoes the amount and has a non-empty id."},
		{"H2", KindDoc, AreaHold, "until is now plus the duration in minutes (10 by default), within the clock tolerance."},
		{"H3", KindDocInterp, AreaHold, "A duration over 30 minutes is refused (key duration) or cut to 30; never held longer."},
		{"H4", KindInterp, AreaHold, "Holding more than is available is refused (key amount); holds never exceed the balance."},
		{"H5", KindDoc, AreaHold, "An active hold lowers the balance seen by calls that do not list it, and not by calls that do."},
		{"H6", KindDoc, AreaHold, "Release, expiry, or a retail by the client at the hold's point give the held points back (or spend them if listed)."},
		{"H7", KindDoc, AreaHold, "Release succeeds for unknown, expired and already released ids alike."},

		{"RT1", KindDoc, AreaRetail, "Spending over the allowed maximum gives 422 {\"spend\": \"Spend can't be more N\"}, N being recalc's maximum."},
		{"RT2", KindDoc, AreaRetail, "cashback: total is amount minus spend (the full amount when accruing)."},
		{"RT3", KindDoc, AreaRetail, "An operation spends or accrues, never both."},
		{"RT4", KindInterp, AreaRetail, "A spend lowers the balance by exactly spend; an accrual raises it by exactly earn."},
		{"RT5", KindDoc, AreaRetail, "Holds listed in a retail count as available to it and are consumed by it."},
		{"RT6", KindDoc, AreaRetail, "A retail at a point ends the client's other active holds at that point, and only there: its holds at other points stay active."},
		{"RT7", KindInterp, AreaRetail, "discount clients cannot spend (422 key spend); only total <= amount is checked for them."},
		{"RT8", KindInterp, AreaRetail, "A missing, ill-typed or negative amount or spend is refused with that key; unknown client or point as S1/S2."},

		{"L1", KindInterp, AreaLedger, "Over a run, each client's final balance is its initial balance minus accepted spends plus accepted earns."},
		{"L2", KindInterp, AreaLedger, "Concurrent spends and holds never overdraw a client nor accept more than was available."},
		{"L3", KindInterp, AreaLedger, "Once all holds have ended, the balance search shows equals the ledger's balance."},

		{"B1", KindDoc, AreaBadInput, "Bad input is refused with a 422 error body; 400 is a warning; 5xx, non-JSON or another shape fails."},
		{"B2", KindInterp, AreaBadInput, "Semantically invalid values (zero/negative amounts, negative spend, spend over the bound, duration over 30) are never accepted."},
		{"B3", KindInterp, AreaBadInput, "Accepting a wrongly typed but meaningful value (\"100\" for 100) is a warning, not a failure."},
		{"B4", KindInterp, AreaBadInput, "Unknown extra request fields may be ignored."},
		{"B5", KindInterp, AreaBadInput, "No refused request has a side effect."},
	}
}

// RuleByID returns the rule with the given id (case-insensitive).
func RuleByID(id string) (Rule, bool) {
	for _, r := range Rules() {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return Rule{}, false
}
