package sandbox

import (
	"fmt"
	"sort"
	"strings"
)

// FaultInfo describes a fault or a quirk the sandbox can be started with.
// A fault breaks the rules it names, so a correct checker must report a
// failure (or, for an interp rule, a warning) when it is on. A quirk
// (Tolerated) is a difference SPEC.md allows: a checker must not fail on
// it, though it may warn where the rule says so.
type FaultInfo struct {
	Name        string
	Rules       []string
	Tolerated   bool
	Description string
}

// fault is one entry of the catalogue. Handlers test them with
// s.faults.has(faultX) at the one place each deviates, so every fault is
// a small, readable switch next to the correct behaviour.
type fault int

const (
	// Quirks: tolerated by SPEC.md.
	faultAuth401 fault = iota
	faultClampDuration
	faultCoerceStrings
	faultErrorSuccessFalse
	faultExtraFields
	faultNullOptional
	faultRoundNearest

	// Faults: each breaks the rules its catalogue entry names.
	faultAcceptZeroAmount
	faultAccrueLost
	faultBadInputSideEffect
	faultBadJSON500
	faultCardNotFound
	faultCodeOtherClient
	faultDiscountBalance
	faultDiscountEarn
	faultDiscountSpend
	faultDiscountSpendField
	faultEarnWrong
	faultError400
	faultErrorExtra
	faultErrorText
	faultGetAllowed
	faultHoldAmount
	faultHoldNeverExpires
	faultHoldNoMax
	faultHoldOverdraw
	faultHoldUntilMs
	faultHoldsIgnored
	faultHoldsPerPoint
	faultIgnoreAPIKey
	faultListedHoldIgnored
	faultListedHoldKept
	faultNegativeSpend
	faultNoSuccess
	faultNumericIDs
	faultPercentOver100
	faultPhotoNumber
	faultRacyDebit
	faultRecalcAmount
	faultRecalcIgnoreBalance
	faultRecalcSideEffect
	faultRecalcSpendLow
	faultRecalcZeroAmount
	faultRefusedSideEffect
	faultRejectUnknownFields
	faultReleaseIgnoresAPIKey
	faultReleaseNoop
	faultReleaseUnknown422
	faultReleaseWrongPath
	faultRetailEndsAllHolds
	faultRetailIgnoresBalance
	faultRetailKeepsHolds
	faultSpendAndEarn
	faultSpendMessage
	faultTotalWrong
	faultUnknownClient404
	faultUnknownNumberKey
	faultUnknownPointOK

	numFaults
)

// faultDef ties a fault constant to its public description.
type faultDef struct {
	f    fault
	info FaultInfo
}

func quirk(f fault, name string, rules []string, desc string) faultDef {
	return faultDef{f, FaultInfo{Name: name, Rules: rules, Tolerated: true, Description: desc}}
}

func broken(f fault, name string, rules []string, desc string) faultDef {
	return faultDef{f, FaultInfo{Name: name, Rules: rules, Description: desc}}
}

func rules(ids ...string) []string { return ids }

// catalogue returns every fault and quirk. It is a function rather than a
// package variable so no caller can alter the shared table.
func catalogue() []faultDef {
	return []faultDef{
		quirk(faultAuth401, "auth-401", rules("G3"),
			`A missing or wrong apikey answers 401 {"apikey": "Invalid apikey."} instead of 422 (SPEC tolerates 401/403 with a warning).`),
		quirk(faultClampDuration, "clamp-duration", rules("H3"),
			`A hold duration over 30 minutes is cut to 30 instead of refused.`),
		quirk(faultCoerceStrings, "coerce-strings", rules("B3"),
			`Wrongly typed but meaningful values are coerced: "100" is taken for 100 in amount, spend and duration, and a number for search, client, point or id is taken as its text (a warning, not a failure).`),
		quirk(faultErrorSuccessFalse, "error-success-false", rules("G5"),
			`Error bodies also carry "success": false.`),
		quirk(faultExtraFields, "extra-fields", rules("G6"),
			`Every success answer and every object in it carries extra vendor fields ("extra": "x"; the client also "cardNumber" and "code").`),
		quirk(faultNullOptional, "null-optional", rules("S6"),
			`photo, birthday and email are sent as null for clients without them instead of being left out, and photo is null for every client.`),
		quirk(faultRoundNearest, "round-nearest", rules("C4"),
			`earn (recalc and retail) is rounded to the nearest point instead of down.`),

		broken(faultAcceptZeroAmount, "accept-zero-amount", rules("B2", "RT8"),
			`retail accepts amount 0 (an accrual of 0 points with total 0); negative amounts are still refused.`),
		broken(faultAccrueLost, "accrue-lost", rules("RT4", "L1"),
			`An accruing retail answers its earn but credits nothing to the balance.`),
		broken(faultBadInputSideEffect, "bad-input-side-effect", rules("B5", "G7"),
			`A retail refused for a bad spend (wrong type, negative, fractional or huge) still accrues the earn of its amount when client, point and amount are valid.`),
		broken(faultBadJSON500, "bad-json-500", rules("B1"),
			`A malformed JSON body answers 500 with a plain-text body.`),
		broken(faultCardNotFound, "card-not-found", rules("S5"),
			`Searching by card number answers 422 {"client": "Client not found."}; phone and app code still find the client.`),
		broken(faultCodeOtherClient, "code-other-client", rules("S5"),
			`Searching by app code finds the next client in fixture order, not the code's owner (needs at least 2 clients).`),
		broken(faultDiscountBalance, "discount-balance", rules("S3"),
			`search shows discount clients' stored balance (nonzero in the fixtures) instead of 0.`),
		broken(faultDiscountEarn, "discount-earn", rules("C5"),
			`recalc reports a discount client's earn as amount x percent / 100 instead of 0.`),
		broken(faultDiscountSpend, "discount-spend", rules("RT7"),
			`A discount client may spend its stored balance in retail (debited, total = amount - spend) instead of being refused.`),
		broken(faultDiscountSpendField, "discount-spend-field", rules("RT3"),
			`A discount client's retail answers the discount it gave as "spend" (amount - total) next to earn 0: an accrue answer that also spends.`),
		broken(faultEarnWrong, "earn-wrong", rules("C4"),
			`recalc reports twice the earn (retail still accrues the right amount).`),
		broken(faultError400, "error-400", rules("G4", "B1", "S1", "S2", "RT1"),
			`Every 422 answer is sent as 400 instead, the documented errors included.`),
		broken(faultErrorExtra, "error-extra", rules("G5"),
			`Error bodies carry a non-string field, "code": 17.`),
		broken(faultErrorText, "error-text", rules("G4", "B1"),
			`Error bodies are plain text ("field: message") instead of a JSON object.`),
		broken(faultGetAllowed, "get-allowed", rules("G1"),
			`The endpoints also serve GET (the body is read as for POST) instead of answering 405.`),
		broken(faultHoldAmount, "hold-amount", rules("H1"),
			`held.amount is twice the requested amount (the hold itself is of the requested amount).`),
		broken(faultHoldNeverExpires, "hold-never-expires", rules("H6", "L3"),
			`Holds never expire: they stay active until released or ended by a retail.`),
		broken(faultHoldNoMax, "hold-no-max", rules("H3"),
			`A hold duration over 30 minutes is accepted and honoured (60 gives until = now + 60 min).`),
		broken(faultHoldOverdraw, "hold-overdraw", rules("H4", "L2"),
			`A hold of more than the available balance is accepted.`),
		broken(faultHoldUntilMs, "hold-until-ms", rules("H2"),
			`held.until is in UNIX milliseconds instead of seconds.`),
		broken(faultHoldsIgnored, "holds-ignored", rules("S4", "H5", "C2"),
			`search and recalc ignore active holds: they show the stored balance (retail and hold still count holds).`),
		broken(faultHoldsPerPoint, "holds-per-point", rules("S4", "H5"),
			`search and recalc count only the client's holds made at the request's point; holds at other points do not lower the balance they show (retail and hold still count every hold).`),
		broken(faultIgnoreAPIKey, "ignore-apikey", rules("G2", "G3"),
			`A missing or wrong apikey is accepted.`),
		broken(faultListedHoldIgnored, "listed-hold-ignored", rules("S4", "RT5", "H5"),
			`Holds listed in a request are not counted as available to it (they reduce the balance like any other hold).`),
		broken(faultListedHoldKept, "listed-hold-kept", rules("RT5", "L3"),
			`A retail does not consume the holds it lists: they stay active after it.`),
		broken(faultNegativeSpend, "negative-spend", rules("RT8", "B2"),
			`retail accepts a negative spend and credits it (balance rises by -spend).`),
		broken(faultNoSuccess, "no-success", rules("G6"),
			`Success answers lack the "success" field.`),
		broken(faultNumericIDs, "numeric-ids", rules("G8"),
			`search sends the client id as a JSON number (its fixture index + 1); later calls accept that number, as a number or a string.`),
		broken(faultPercentOver100, "percent-over-100", rules("S7"),
			`search reports level.percent in hundredths of a percent (10% as 1000).`),
		broken(faultPhotoNumber, "photo-number", rules("S6"),
			`search sends photo as a number (an internal file id) instead of a URL string.`),
		broken(faultRacyDebit, "racy-debit", rules("L2", "H4"),
			`retail spends and holds check the balance, wait about 1 ms outside the lock, then debit without checking again: concurrent spends and holds overdraw.`),
		broken(faultRecalcAmount, "recalc-amount", rules("C1"),
			`recalc echoes the amount in kopecks (x100).`),
		broken(faultRecalcIgnoreBalance, "recalc-ignore-balance", rules("C2", "C3"),
			`recalc's spend ignores the balance: it is amount x maxSpendPercent / 100 even when the client has less (retail still enforces the real bound).`),
		broken(faultRecalcSideEffect, "recalc-side-effect", rules("C6", "L1"),
			`recalc credits its earn to the balance.`),
		broken(faultRecalcSpendLow, "recalc-spend-low", rules("C3"),
			`recalc's spend is one point below the real bound when that is positive, while retail accepts up to the real bound.`),
		broken(faultRecalcZeroAmount, "recalc-zero-amount", rules("C7"),
			`recalc accepts a zero or negative amount (spend 0, earn amount x percent / 100 rounded down).`),
		broken(faultRefusedSideEffect, "refused-side-effect", rules("G7", "RT1", "B5"),
			`A retail refused for spending over the bound (RT1) still debits that bound when it is positive.`),
		broken(faultRejectUnknownFields, "reject-unknown-fields", rules("B4"),
			`A request with a field the endpoint does not know is refused with 422 {"<field>": "Unknown field."}.`),
		broken(faultReleaseIgnoresAPIKey, "release-ignores-apikey", rules("G2", "G3"),
			`release is served with a missing or wrong apikey; the other endpoints still refuse it.`),
		broken(faultReleaseNoop, "release-noop", rules("H6", "L3"),
			`release answers success but the hold stays active.`),
		broken(faultReleaseUnknown422, "release-unknown-422", rules("H7"),
			`release of an unknown, expired or already ended hold answers 422 {"id": "Hold not found."}.`),
		broken(faultReleaseWrongPath, "release-wrong-path", rules("G1", "H7"),
			`release is served at /integration/general/bonuses/unhold; the documented path answers 404.`),
		broken(faultRetailEndsAllHolds, "retail-ends-all-holds", rules("RT6"),
			`A retail ends the client's active holds at every point, not only at its own.`),
		broken(faultRetailIgnoresBalance, "retail-ignores-balance", rules("RT1", "B2"),
			`retail bounds a spend by maxSpendPercent of the amount only, not by the available balance: a spend over the balance is accepted and overdraws (recalc still reports the real bound).`),
		broken(faultRetailKeepsHolds, "retail-keeps-holds", rules("RT6", "H6"),
			`A retail does not end the client's other active holds at its point.`),
		broken(faultSpendAndEarn, "spend-and-earn", rules("RT3", "RT4"),
			`A spending retail also accrues the earn of its amount and answers it next to spend.`),
		broken(faultSpendMessage, "spend-message", rules("RT1"),
			`A spend over the bound answers 422 {"spend": "Not enough bonuses."} instead of "Spend can't be more N".`),
		broken(faultTotalWrong, "total-wrong", rules("RT2"),
			`A spending retail answers total = amount instead of amount - spend.`),
		broken(faultUnknownClient404, "unknown-client-404", rules("S1", "G4"),
			`An unknown client answers 404 instead of 422 (same body).`),
		broken(faultUnknownNumberKey, "unknown-number-key", rules("S1"),
			`An unknown search made only of digits (a phone or card number) answers 422 {"search": "Client not found."}, naming the request field instead of "client"; other unknown searches are answered correctly.`),
		broken(faultUnknownPointOK, "unknown-point-ok", rules("S2"),
			`Any point id is accepted, unknown ones included.`),
	}
}

// Faults returns every fault and quirk, sorted by name.
func Faults() []FaultInfo {
	defs := catalogue()
	out := make([]FaultInfo, len(defs))
	for i, d := range defs {
		out[i] = d.info
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// faultSet is the set of faults a Server runs with. It is fixed at New, so
// handlers read it without locking.
type faultSet [numFaults]bool

func (fs *faultSet) has(f fault) bool { return fs[f] }

// parseFaults resolves fault names; an unknown name is an error that lists
// the known ones.
func parseFaults(names []string) (faultSet, error) {
	var fs faultSet
	byName := make(map[string]fault, numFaults)
	for _, d := range catalogue() {
		byName[d.info.Name] = d.f
	}
	for _, n := range names {
		f, ok := byName[strings.TrimSpace(n)]
		if !ok {
			known := make([]string, 0, len(byName))
			for k := range byName {
				known = append(known, k)
			}
			sort.Strings(known)
			return fs, fmt.Errorf("unknown fault %q (known: %s)", n, strings.Join(known, ", "))
		}
		fs[f] = true
	}
	return fs, nil
}

// names lists the faults that are on, sorted.
func (fs *faultSet) names() []string {
	var out []string
	for _, d := range catalogue() {
		if fs[d.f] {
			out = append(out, d.info.Name)
		}
	}
	sort.Strings(out)
	return out
}
