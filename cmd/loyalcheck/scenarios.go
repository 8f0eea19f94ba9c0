package main

import (
	"context"
	"fmt"
	"strings"

	"loyalcheck/scenarios"
)

func runScenarios(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "scenarios", "[NAME]", "List the built-in load scenarios, or print one's YAML to start a scenario file of your own.")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if fs.NArg() == 1 {
		src, ok := scenarios.Source(fs.Arg(0))
		if !ok {
			return usageErr(e, "scenarios", "no built-in scenario %q (want %s)", fs.Arg(0), strings.Join(scenarios.Names(), ", "))
		}
		e.stdout.Write(src)
		return exitOK
	}
	list, err := scenarios.BuiltIn()
	if err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck scenarios: %v\n", err)
		return exitFail
	}
	for _, s := range list {
		fmt.Fprintf(e.stdout, "%-16s %s\n", s.Name, s.Description)
	}
	return exitOK
}
