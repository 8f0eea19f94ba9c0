package contract

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/sandbox"
)

// proofs maps every check to the sandbox fault (or quirk) that makes it
// fail, or warn when its rule is interp: the one table that shows no
// check passes everything. SchemaCheck is the validation every response
// goes through.
var proofs = map[string]string{
	SchemaCheck: "photo-number",

	"s1-unknown-client":   "unknown-number-key",
	"s2-unknown-point":    "unknown-point-ok",
	"s3-discount-balance": "discount-balance",
	"s4-hold-balance":     "holds-per-point",
	"s5-identifiers":      "card-not-found",
	"s6-optional-fields":  "photo-number",
	"s7-ranges":           "percent-over-100",

	"c1-echo":           "recalc-amount",
	"c2-spend-bound":    "recalc-ignore-balance",
	"c3-spend-exact":    "recalc-spend-low",
	"c4-earn":           "earn-wrong",
	"c5-discount":       "discount-earn",
	"c6-no-side-effect": "recalc-side-effect",
	"c7-bad-amount":     "recalc-zero-amount",

	"h1-echo":               "hold-amount",
	"h2-until":              "hold-until-ms",
	"h3-max-duration":       "hold-no-max",
	"h4-overdraw":           "hold-overdraw",
	"h5-hold-visibility":    "holds-per-point",
	"h6-release":            "release-noop",
	"h6-expiry":             "hold-never-expires",
	"h7-release-idempotent": "release-unknown-422",

	"rt1-spend-over":     "retail-ignores-balance",
	"rt2-total":          "total-wrong",
	"rt3-spend-or-earn":  "discount-spend-field",
	"rt4-balance-effect": "accrue-lost",
	"rt5-listed-hold":    "listed-hold-kept",
	"rt6-ends-holds":     "retail-ends-all-holds",
	"rt7-discount":       "discount-spend",
	"rt8-bad-input":      "negative-spend",

	"g1-post-json":         "get-allowed",
	"g2-apikey-required":   "release-ignores-apikey",
	"g3-bad-key":           "ignore-apikey",
	"g4-error-status":      "error-400",
	"g5-error-body":        "error-extra",
	"g6-success-shape":     "no-success",
	"g7-refused-no-effect": "refused-side-effect",
	"g8-types":             "numeric-ids",

	"b1-malformed":      "bad-json-500",
	"b2-invalid-values": "accept-zero-amount",
	"b3-coercion":       "coerce-strings", // a quirk: coercion only ever warns (B3)
	"b4-unknown-fields": "reject-unknown-fields",
	"b5-no-side-effect": "bad-input-side-effect",

	"l1-ledger":          "accrue-lost",
	"l2-concurrent":      "racy-debit",
	"l3-no-leaked-holds": "release-noop",
}

// quirkWarns lists the quirks SPEC tolerates with a warning (G3: 401/403;
// B3: coercion). Every other quirk must leave the report clean.
var quirkWarns = map[string]string{
	"auth-401":       "G3",
	"coerce-strings": "B3",
}

// manualRun runs on a sandbox whose clock only moves when the suite waits,
// so the slow expiry check takes no real time.
func manualRun(t *testing.T, faults []string, opts ...Option) *Result {
	t.Helper()
	return manualRunOn(t, nil, faults, opts...)
}

// manualRunOn is manualRun on a sandbox started with sbOpts too.
func manualRunOn(t *testing.T, sbOpts []sandbox.Option, faults []string, opts ...Option) *Result {
	t.Helper()
	clk := sandbox.NewManualClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	wait := func(ctx context.Context, d time.Duration) error { clk.Advance(d); return ctx.Err() }
	return runAgainst(t, append([]sandbox.Option{sandbox.WithClock(clk), sandbox.WithFaults(faults...)}, sbOpts...),
		append([]Option{WithSlow(true), WithNow(clk.Now), WithWait(wait)}, opts...)...)
}

func TestCorrectSandboxIsClean(t *testing.T) {
	t0 := time.Now()
	res := runAgainst(t, nil)
	t.Logf("default suite against the embedded sandbox: %s (%d findings)", time.Since(t0), len(res.Findings))
	assert.Zero(t, res.Summary.Fail, describe(res))
	assert.Zero(t, res.Summary.Warn, describe(res))
	assert.False(t, res.Failed())
	slow := map[string]bool{}
	for _, c := range Checks() {
		slow[c.Name] = c.Slow
	}
	ran := map[string]bool{}
	for _, f := range res.Findings {
		ran[f.Check] = true
		if f.Status == Skip {
			assert.True(t, slow[f.Check], "only slow checks may skip: %s %s", f.Check, f.Message)
		}
	}
	for _, c := range Checks() {
		assert.True(t, ran[c.Name], "check %s made no finding", c.Name)
	}
}

func TestCorrectSandboxSlowIsClean(t *testing.T) {
	res := manualRun(t, nil)
	assert.Zero(t, res.Summary.Fail, describe(res))
	assert.Zero(t, res.Summary.Warn, describe(res))
	assert.Zero(t, res.Summary.Skip, describe(res))
}

func TestEveryRuleHasACheck(t *testing.T) {
	has := map[string]bool{}
	names := map[string]bool{}
	for _, c := range Checks() {
		_, ok := api.RuleByID(c.Rule)
		assert.True(t, ok, "check %s names unknown rule %s", c.Name, c.Rule)
		assert.False(t, names[c.Name], "duplicate check %s", c.Name)
		names[c.Name] = true
		has[c.Rule] = true
	}
	for _, r := range api.Rules() {
		assert.True(t, has[r.ID], "rule %s has no check", r.ID)
	}
}

func TestEveryCheckHasAProof(t *testing.T) {
	known := map[string]bool{}
	for _, f := range sandbox.Faults() {
		known[f.Name] = true
	}
	for _, c := range append(Checks(), CheckInfo{Name: SchemaCheck}) {
		fault, ok := proofs[c.Name]
		if assert.True(t, ok, "check %s has no fault proving it", c.Name) {
			assert.True(t, known[fault], "check %s: unknown fault %s", c.Name, fault)
		}
	}
	for name := range proofs {
		found := name == SchemaCheck
		for _, c := range Checks() {
			found = found || c.Name == name
		}
		assert.True(t, found, "proofs names unknown check %s", name)
	}
}

// broken reports whether a finding shows its rule broken: a failure, or a
// warning for an interp rule (doc+interp rules warn on their interp part).
func broken(f Finding) bool {
	return f.Status == Fail || (f.Status == Warn && f.Kind != api.KindDoc)
}

// TestFaultsAreCaught runs the suite against every fault (and the quirk
// that proves B3) and checks that the fault's rules are reported broken
// and that every check the proofs table credits to it fails.
func TestFaultsAreCaught(t *testing.T) {
	byFault := map[string][]string{}
	for check, fault := range proofs {
		byFault[fault] = append(byFault[fault], check)
	}
	for _, fi := range sandbox.Faults() {
		checks := byFault[fi.Name]
		if fi.Tolerated && len(checks) == 0 {
			continue
		}
		t.Run(fi.Name, func(t *testing.T) {
			t.Parallel()
			only := append(slices.Clone(fi.Rules), checks...)
			res := manualRun(t, []string{fi.Name}, WithOnly(only...))
			if !fi.Tolerated {
				hit := false
				for _, f := range res.Findings {
					hit = hit || (slices.Contains(fi.Rules, f.Rule) && broken(f))
				}
				assert.True(t, hit, "fault %s (%s) breaks none of its rules %v:\n%s", fi.Name, fi.Description, fi.Rules, describe(res))
			}
			for _, c := range checks {
				hit := false
				for _, f := range res.Findings {
					hit = hit || (f.Check == c && broken(f))
				}
				assert.True(t, hit, "check %s does not catch fault %s:\n%s", c, fi.Name, describe(res))
			}
		})
	}
}

// TestQuirksAreTolerated runs the whole suite against each difference
// SPEC allows: no failure, and no warning unless SPEC says it warns.
func TestQuirksAreTolerated(t *testing.T) {
	for _, fi := range sandbox.Faults() {
		if !fi.Tolerated {
			continue
		}
		t.Run(fi.Name, func(t *testing.T) {
			t.Parallel()
			res := manualRun(t, []string{fi.Name})
			assert.Zero(t, res.Summary.Fail, describe(res))
			for _, f := range res.Findings {
				if f.Status == Warn {
					assert.Equal(t, quirkWarns[fi.Name], f.Rule, "quirk %s: unexpected warning %s %s: %s", fi.Name, f.Rule, f.Check, f.Message)
				}
			}
			if rule, ok := quirkWarns[fi.Name]; ok {
				warned := slices.ContainsFunc(res.Findings, func(f Finding) bool { return f.Rule == rule && f.Status == Warn })
				assert.True(t, warned, "quirk %s should warn on %s", fi.Name, rule)
			}
		})
	}
}

func TestStrictTurnsWarningsIntoFailures(t *testing.T) {
	res := manualRun(t, []string{"auth-401"}, WithOnly("G3"), WithProfile(Strict))
	assert.Positive(t, res.Summary.Fail, describe(res))
	assert.Zero(t, res.Summary.Warn)
	assert.Equal(t, "strict", res.Profile)
}

// TestSlowExpiryWithManualClock runs the --slow H6 expiry check against a
// sandbox whose clock the suite's wait function advances: no real minute.
func TestSlowExpiryWithManualClock(t *testing.T) {
	clk := sandbox.NewManualClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	var mu sync.Mutex
	var waited time.Duration
	wait := func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waited += d
		mu.Unlock()
		clk.Advance(d)
		return nil
	}
	res := runAgainst(t, []sandbox.Option{sandbox.WithClock(clk)},
		WithOnly("h6-expiry"), WithSlow(true), WithNow(clk.Now), WithWait(wait))
	require.Len(t, res.Findings, 1, describe(res))
	assert.Equal(t, Pass, res.Findings[0].Status, res.Findings[0].Message)
	assert.InDelta(t, float64(61*time.Second), float64(waited), float64(2*time.Second), "waits until until + 1 s")

	// Without --slow it is skipped, saying why.
	res = runAgainst(t, nil, WithOnly("h6-expiry"))
	require.Len(t, res.Findings, 1)
	assert.Equal(t, Skip, res.Findings[0].Status)
	assert.Contains(t, res.Findings[0].Message, "--slow")
	assert.True(t, res.Findings[0].NotInScope, "leaving out --slow is the user's choice, not a gap")
	assert.False(t, res.Findings[0].Unverified())
}
