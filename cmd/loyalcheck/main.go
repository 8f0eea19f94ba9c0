// Command loyalcheck verifies and load-tests the loyalty "general
// integration" REST API. main only parses flags and wires packages together;
// each subcommand lives in a file named after it.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"loyalcheck/api"
	"loyalcheck/reports"
)

// Exit codes shared by every subcommand (documented in README and --help).
const (
	exitOK          = 0 // no failures (warnings allowed)
	exitFail        = 1 // at least one failure
	exitUsage       = 2 // bad flag, bad input file, bad configuration
	exitUnreachable = 3 // target unreachable or refusing the apikey
)

// env is what a subcommand may touch of the outside world, so tests can run
// the whole CLI in-process.
type env struct {
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// stdinIsTTY/stderrIsTTY decide live progress and colour.
	stderrIsTTY bool
	stdoutIsTTY bool
	// red is the output safety net for the apikey: run puts stdout and
	// stderr behind it, and every file a command writes goes through it.
	red *api.Redactor
}

// withRedaction returns e with stdout and stderr behind the apikey's
// output safety net, and a function that flushes them. The key is the
// one every request of this run carries: LOYALCHECK_APIKEY, or the
// sandbox's when it is unset (a --target then needs the variable set).
func withRedaction(e *env) (*env, func()) {
	r := *e
	r.red = api.NewRedactor(apiKey(e, true))
	r.stdout, r.stderr = r.red.Writer(e.stdout), r.red.Writer(e.stderr)
	return &r, func() { flushOut(r.stdout); flushOut(r.stderr) }
}

// flushOut writes out what a redacting writer holds back until a line
// ends (live progress lines end in none).
func flushOut(w io.Writer) {
	if f, ok := w.(interface{ Flush() error }); ok {
		_ = f.Flush()
	}
}

// writeFile writes a file of a run through the output safety net.
func (e *env) writeFile(path string, b []byte) error {
	return os.WriteFile(path, e.red.Output(b), 0o644)
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) int
}

func commands() []command {
	return []command{
		{"accept", "the acceptance run: contract, load, thresholds, and every report", runAccept},
		{"contract", "check every API rule ('loyalcheck rules') against a target: a verdict per rule, with evidence", runContract},
		{"schemas", "list the API's JSON Schemas, write them to a directory, or export them as OpenAPI 3.1", runSchemas},
		{"sandbox", "run the reference implementation of the API on a local port", runSandbox},
		{"load", "replay checkout sessions at a set rate; measure latency and audit the ledger", runLoad},
		{"plan", "plan a load run over several machines: preflight, initial balances, a common start time (then load --plan, merge)", runPlan},
		{"merge", "join the shards of a planned run into one run with one ledger audit", runMerge},
		{"k8s", "print the Kubernetes manifests of a planned run: ConfigMap, Indexed Job of shards, merge Job", runK8s},
		{"capacity", "find the highest session rate that keeps the SLOs: grow the rate, then bisect", runCapacity},
		{"scenarios", "list the built-in load scenarios", runScenarios},
		{"rules", "list the API rules checked: class, endpoint, summary and the checks that verify each", runRules},
		{"compare", "compare two runs: is NEW slower or failing more than BASE, beyond noise? (exit 1 on a regression)", runCompare},
		{"report", "render a past run's report again from its run.json (" + strings.ReplaceAll(reports.FormatNames(), " or ", ", ") + ")", runReport},
		{"version", "print the version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	e := &env{
		stdout:      os.Stdout,
		stderr:      os.Stderr,
		getenv:      os.Getenv,
		stderrIsTTY: isTerminal(os.Stderr),
		stdoutIsTTY: isTerminal(os.Stdout),
	}
	code := run(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, e *env, args []string) int {
	if e.red == nil {
		var flush func()
		e, flush = withRedaction(e)
		defer flush()
	}
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "--help":
		if len(args) > 1 {
			return run(ctx, e, []string{args[1], "--help"})
		}
		usage(e.stdout)
		return exitOK
	case "--version", "-version":
		return runVersion(ctx, e, args[1:])
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "loyalcheck: unknown command %q (try 'loyalcheck help')\n", name)
	return exitUsage
}

func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("loyalcheck verifies and load-tests the loyalty \"general integration\" REST API.\n\n")
	b.WriteString("Usage: loyalcheck COMMAND [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	b.WriteString(`
Run 'loyalcheck help COMMAND' or 'loyalcheck COMMAND --help' for a command's flags.
With no --target, commands run against an embedded sandbox on a loopback port.
The apikey is read from the environment variable LOYALCHECK_APIKEY only.

Exit codes: 0 pass (warnings allowed), 1 failure, 2 usage or configuration
error, 3 target unreachable or refusing the apikey.
`)
	io.WriteString(w, b.String())
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
