package contract

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/sandbox"

	"loyalcheck/reports/record"
)

// runWithoutDiscount runs the suite on a sandbox whose fixtures list no
// discount client, so S3 (doc), C5 and RT7 (interp) cannot be exercised.
func runWithoutDiscount(t *testing.T, opts ...Option) *Result {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), sandbox.WithAPIKey(testKey), sandbox.WithClients(12))
	require.NoError(t, err)
	t.Cleanup(func() { sb.Close() })
	fx := sb.Fixtures()
	var kept []api.FixtureClient
	for _, fc := range fx.Clients {
		if fc.Type != api.TypeDiscount {
			kept = append(kept, fc)
		}
	}
	require.NotEqual(t, len(fx.Clients), len(kept), "the sandbox's fixtures must have a discount client to drop")
	fx.Clients = kept
	c, err := sb.Client(api.WithMaxConns(16))
	require.NoError(t, err)
	res, err := Run(context.Background(), c, fx, append([]Option{WithValidator(sharedValidator), WithAPIKey(testKey)}, opts...)...)
	require.NoError(t, err)
	return res
}

func coverageByRule(res *Result) map[string]record.RuleCoverage {
	m := map[string]record.RuleCoverage{}
	for _, c := range res.Coverage {
		m[c.Rule] = c
	}
	return m
}

// A doc rule the fixtures could not exercise makes the run INCOMPLETE,
// naming the rule and why; interp rules left unverified do not.
func TestUnverifiedDocRuleIsIncomplete(t *testing.T) {
	res := runWithoutDiscount(t)
	assert.False(t, res.Failed(), describe(res))
	assert.Equal(t, "INCOMPLETE", res.Verdict())
	cov := coverageByRule(res)
	require.Len(t, res.Coverage, len(api.Rules()), "every rule has a coverage")
	for _, id := range []string{"S3", "C5", "RT7"} {
		assert.Equal(t, record.Unverified, cov[id].State, id)
		assert.Contains(t, cov[id].Reason, "no discount client", id)
	}
	var ids []string
	for _, c := range res.IncompleteRules() {
		ids = append(ids, c.Rule)
	}
	assert.Equal(t, []string{"S3"}, ids, "only doc rules make a run incomplete")
	assert.Equal(t, record.Verified, cov["H6"].State, "expiry without --slow is out of scope, and release verified H6")
	assert.Contains(t, cov["H6"].Reason, "partly not in scope")
	assert.Equal(t, 3, res.Rules.Unverified)
	assert.Equal(t, 3, res.Summary.Skip, "three checks unverified")
	assert.Equal(t, 1, res.Summary.NotInScope, "h6-expiry")
}

// Accepting the rules by name records the acceptance and lifts the
// incompleteness.
func TestAcceptUnverifiedByName(t *testing.T) {
	res := runWithoutDiscount(t, WithAcceptUnverified("s3,C5"))
	assert.Equal(t, "PASS", res.Verdict())
	assert.Equal(t, []string{"S3", "C5"}, res.AcceptUnverified)
	cov := coverageByRule(res)
	assert.Equal(t, record.Accepted, cov["S3"].State)
	assert.Contains(t, cov["S3"].Reason, "accepted by --accept-unverified")
	assert.Equal(t, record.Unverified, cov["RT7"].State)

	_, err := Run(context.Background(), nil, nil, WithAcceptUnverified("S99"))
	require.Error(t, err)
}

// Rules --only leaves out are not in scope; a selected rule no check
// reached is unverified.
func TestCoverageOfOnly(t *testing.T) {
	res := &Result{ContractRun: record.ContractRun{Only: []string{"c4-earn", "S3"}}, Findings: []Finding{
		{Rule: "C4", Check: "c4-earn", Kind: api.KindDoc, Status: Fail, Message: "a"},
		{Rule: "C4", Check: "c4-earn", Kind: api.KindDoc, Status: Fail, Message: "b"},
		{Rule: "C4", Check: "c4-earn", Kind: api.KindDoc, Status: Pass, Message: "c"},
	}}
	cov := coverageByRule(&Result{ContractRun: record.ContractRun{Only: res.Only}, Findings: res.Findings, Coverage: CoverageOf(res)})
	assert.Equal(t, record.Failed, cov["C4"].State)
	assert.Equal(t, record.Unverified, cov["S3"].State, "selected, yet no verdict")
	assert.Equal(t, record.NotInScope, cov["RT1"].State)
	assert.Equal(t, "not selected by --only", cov["RT1"].Reason)
	assert.Equal(t, "FAIL", res.Verdict())

	s := Summarize(res)
	assert.Equal(t, record.CheckCounts{Fail: 1}, s, "one check with three cases is one failed check")
	assert.Equal(t, "1 check: 0 pass, 1 fail", s.String())
}

// A check that passed one part and could not do another is unverified:
// a partial pass is not a pass.
func TestPartialCheckIsUnverified(t *testing.T) {
	res := &Result{Findings: []Finding{
		{Rule: "C1", Check: "c1-echo", Kind: api.KindDoc, Status: Pass, Message: "cashback echoed"},
		{Rule: "C1", Check: "c1-echo", Kind: api.KindDoc, Status: Skip, Message: "fixtures have no discount client"},
	}}
	cv := record.CheckVerdicts(res.Findings)
	require.Len(t, cv, 1)
	assert.Equal(t, Skip, cv[0].Status)
	assert.Equal(t, record.Unverified, coverageByRule(&Result{Coverage: CoverageOf(res)})["C1"].State)
}

// A finding of a status this build does not know (a hand-edited record)
// still makes a check with its cases, never an empty one.
func TestCheckVerdictUnknownStatus(t *testing.T) {
	cv := record.CheckVerdicts([]Finding{{Rule: "S3", Check: "s3-x", Status: "maybe", Message: "?"}})
	require.Len(t, cv, 1)
	require.Len(t, cv[0].ProblemCases(), 1)
	assert.Equal(t, "?", cv[0].ProblemCases()[0].Message)
}

// Rules left out for one reason share a note, whichever checks gave it.
func TestCoverageNotesGroupByReason(t *testing.T) {
	ro := "read-only: the check needs a hold request, which --read-only does not send"
	res := &Result{ContractRun: record.ContractRun{Only: []string{"H1", "H2", "S3", "H6"}}, Findings: []Finding{
		{Rule: "H1", Check: "h1-echo", Status: Skip, NotInScope: true, Message: ro},
		{Rule: "H2", Check: "h2-until", Status: Skip, NotInScope: true, Message: ro},
		{Rule: "S3", Check: "s3-discount-balance", Status: Skip, Message: "fixtures have no discount client"},
		{Rule: "H6", Check: "h6-release", Status: Pass, Message: "ok"},
		{Rule: "H6", Check: "h6-expiry", Status: Skip, NotInScope: true, Message: "needs --slow"},
	}}
	var got []string
	for _, n := range record.CoverageNotes(CoverageOf(res)) {
		got = append(got, n.Label()+" "+n.RuleList()+": "+n.Reason)
	}
	assert.Equal(t, []string{
		"unverified S3 (doc): s3-discount-balance: fixtures have no discount client",
		"not in scope 41 rules: not selected by --only",
		"not in scope H1 (doc), H2 (doc): " + ro,
		"verified H6 (doc): partly not in scope: h6-expiry: needs --slow",
	}, got)
}
