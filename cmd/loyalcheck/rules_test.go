package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/contract"
)

func TestRulesListsEveryRuleWithItsChecks(t *testing.T) {
	code, out, errOut := cliRun(t, nil, "rules")
	require.Equal(t, exitOK, code, errOut)
	for _, r := range api.Rules() {
		assert.Contains(t, out, "  "+r.ID+" ", "rule %s listed", r.ID)
	}
	for _, c := range contract.Checks() {
		assert.Contains(t, out, c.Name, "check %s named", c.Name)
	}
	assert.Contains(t, out, "h6-expiry (with --slow)")
}

func TestRulesSelectsByID(t *testing.T) {
	code, out, errOut := cliRun(t, nil, "rules", "s5", "RT6,h6")
	require.Equal(t, exitOK, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var ids []string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 1 && strings.HasPrefix(l, "  ") && f[0] != "checked" {
			ids = append(ids, f[0])
		}
	}
	assert.Equal(t, []string{"S5", "H6", "RT6"}, ids, "catalogue order:\n%s", out)
	assert.Contains(t, out, "S5   doc+interp")
	assert.Contains(t, out, "checked by: s5-identifiers")
	assert.Contains(t, out, api.EpRetail.Path())
}

func TestRulesUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"rules", "X9"}, {"rules", "S5", "rt99"}, {"rules", "--format", "pdf"}, {"rules", "--nope"}} {
		code, out, errOut := cliRun(t, nil, args...)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.Empty(t, out, "%v", args)
		assert.Equal(t, 1, strings.Count(strings.TrimSpace(errOut), "\n")+1, "one line for %v: %q", args, errOut)
	}
	_, _, errOut := cliRun(t, nil, "rules", "X9")
	assert.Contains(t, errOut, `"X9"`)
	assert.Contains(t, errOut, "RT1-RT8")
}

// TestRulesDocIsCurrent keeps the committed docs/rules.md equal to what
// 'loyalcheck rules --format md' writes. After changing a rule or a check:
// make docs.
func TestRulesDocIsCurrent(t *testing.T) {
	code, out, errOut := cliRun(t, nil, "rules", "--format", "md")
	require.Equal(t, exitOK, code, errOut)
	committed, err := os.ReadFile(filepath.Join("..", "..", "docs", "rules.md"))
	require.NoError(t, err, "docs/rules.md is missing: run 'make docs'")
	assert.Equal(t, string(committed), out, "docs/rules.md is stale: run 'make docs'")
	for _, r := range api.Rules() {
		assert.Contains(t, out, "| "+r.ID+" | "+string(r.Kind)+" |")
	}
}

// Help texts point to the product's own catalogue, not to a SPEC.md the
// user does not have.
func TestHelpPointsToRules(t *testing.T) {
	code, out, _ := cliRun(t, nil, "help")
	require.Equal(t, exitOK, code)
	assert.NotContains(t, out, "SPEC")
	assert.Contains(t, out, "rules")
	for _, c := range commands() {
		code, out, _ := cliRun(t, nil, c.name, "--help")
		assert.Equal(t, exitOK, code, c.name)
		assert.NotContains(t, out, "SPEC", "%s --help", c.name)
	}
	for _, cmd := range []string{"contract", "accept", "sandbox", "schemas"} {
		_, out, _ := cliRun(t, nil, cmd, "--help")
		assert.Contains(t, out, "loyalcheck rules", "%s --help", cmd)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	assert.NotContains(t, string(readme), "SPEC")
	assert.Contains(t, string(readme), "docs/rules.md")
}
