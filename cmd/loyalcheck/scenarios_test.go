package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScenariosCommand(t *testing.T) {
	code, out, _ := cliRun(t, nil, "scenarios")
	require.Equal(t, exitOK, code)
	for _, s := range []string{"checkout", "hold-contention", "read-only", "ramp"} {
		assert.Contains(t, out, s)
	}
	code, out, _ = cliRun(t, nil, "scenarios", "checkout")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "flows:")
}

// A mistyped scenario name is answered with the names there are, by
// `scenarios NAME` and by every command taking --scenario.
func TestUnknownScenarioListsNames(t *testing.T) {
	const names = "checkout, hold-contention, ramp, read-only"
	for _, args := range [][]string{
		{"scenarios", "nope"},
		{"load", "--scenario", "nope"},
		{"accept", "--scenario", "nope"},
		{"capacity", "--scenario", "nope", "--slo", "p99(session)<1s"},
	} {
		code, out, errs := cliRun(t, nil, args...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, out)
		assert.Contains(t, errs, `"nope"`, args)
		assert.Contains(t, errs, names, args)
		assert.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
	}
}
