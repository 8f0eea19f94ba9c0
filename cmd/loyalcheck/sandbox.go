package main

import (
	"context"
	"fmt"
	"net"
	"strings"

	"loyalcheck/sandbox"
)

// defaultSandboxDB is where `loyalcheck sandbox` keeps its state unless
// told otherwise: in the current directory, so it survives restarts.
const defaultSandboxDB = "loyalcheck-sandbox.db"

func runSandbox(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "sandbox", "[flags]", `
Run the reference implementation of the loyalty API on a local port, with
deterministic fixtures (points and clients) in a SQLite file. State
survives restarts: an existing --db is reused with the fixtures it holds.

Prints one line, "listening on http://HOST:PORT", on stdout once it accepts
connections, and serves until interrupted (SIGINT/SIGTERM, exit 0).

The apikey it accepts is read from LOYALCHECK_APIKEY; when that is unset it
is the built-in sandbox key, which every loyalcheck command sends by default.

Faults (--fault, repeatable) make it break one rule each, to see that a
checker catches it; quirks are differences the rules tolerate (the rules:
'loyalcheck rules'). --list-faults lists them.`, noArgs{})
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free one)")
	db := fs.String("db", defaultSandboxDB, "SQLite file holding the state; '' for a throwaway database")
	seed := fs.Int64("seed", sandbox.DefaultSeed, "seed of the fixtures of a new database")
	clients := fs.Int("clients", sandbox.DefaultClients, "clients in a new database")
	points := fs.Int("points", sandbox.DefaultPoints, "points of sale in a new database")
	fixturesOut := fs.String("fixtures-out", "", "write the fixtures (points, clients) to this JSON file")
	faults := fs.StringArray("fault", nil, "turn on a fault or quirk by name (repeatable; see --list-faults)")
	listFaults := fs.Bool("list-faults", false, "list the faults and quirks and exit")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if *listFaults {
		printFaults(e)
		return exitOK
	}
	switch {
	case *clients < 1 || *clients > sandbox.MaxClients:
		return usageErr(e, "sandbox", "--clients must be in 1..%d", sandbox.MaxClients)
	case *points < 1 || *points > sandbox.MaxPoints:
		return usageErr(e, "sandbox", "--points must be in 1..%d", sandbox.MaxPoints)
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		return usageErr(e, "sandbox", "--addr %q: %v", *addr, err)
	}
	if err := checkFaultNames(*faults); err != nil {
		return usageErr(e, "sandbox", "%v (see --list-faults)", err)
	}

	sb, err := sandbox.Start(ctx,
		sandbox.WithAddr(*addr),
		sandbox.WithDB(*db),
		sandbox.WithSeed(*seed),
		sandbox.WithClients(*clients),
		sandbox.WithPoints(*points),
		sandbox.WithAPIKey(apiKey(e, true)),
		sandbox.WithFaults(*faults...),
	)
	if err != nil {
		return usageErr(e, "sandbox", "%s", strings.TrimPrefix(err.Error(), "sandbox: "))
	}
	defer sb.Close()

	info := sb.Server().StoreInfo()
	if info.Reused {
		var ignored []string
		if fs.Changed("seed") && *seed != info.Seed {
			ignored = append(ignored, fmt.Sprintf("--seed %d", *seed))
		}
		if fs.Changed("clients") && *clients != info.Clients {
			ignored = append(ignored, fmt.Sprintf("--clients %d", *clients))
		}
		if fs.Changed("points") && *points != info.Points {
			ignored = append(ignored, fmt.Sprintf("--points %d", *points))
		}
		if len(ignored) > 0 {
			fmt.Fprintf(e.stderr, "loyalcheck sandbox: warning: %s already holds seed %d, %d clients, %d points; ignoring %s\n",
				*db, info.Seed, info.Clients, info.Points, strings.Join(ignored, ", "))
		}
	}
	if *fixturesOut != "" {
		if err := sb.Fixtures().WriteFile(*fixturesOut); err != nil {
			fmt.Fprintf(e.stderr, "loyalcheck sandbox: %v\n", err)
			return exitUsage
		}
	}
	if names := sb.Server().FaultNames(); len(names) > 0 {
		fmt.Fprintf(e.stderr, "loyalcheck sandbox: faults on: %s\n", strings.Join(names, ", "))
	}
	fmt.Fprintf(e.stdout, "listening on %s\n", sb.URL())

	select {
	case <-ctx.Done():
	case <-sb.Done():
		fmt.Fprintf(e.stderr, "loyalcheck sandbox: stopped serving: %v\n", sb.Err())
		return exitFail
	}
	if err := sb.Close(); err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck sandbox: %v\n", err)
		return exitFail
	}
	return exitOK
}

func checkFaultNames(names []string) error {
	known := map[string]bool{}
	for _, f := range sandbox.Faults() {
		known[f.Name] = true
	}
	for _, n := range names {
		if !known[n] {
			return fmt.Errorf("unknown fault %q", n)
		}
	}
	return nil
}

func printFaults(e *env) {
	rows := [][]string{{"NAME", "KIND", "RULES", "DESCRIPTION"}}
	for _, f := range sandbox.Faults() {
		kind := "fault"
		if f.Tolerated {
			kind = "quirk"
		}
		rows = append(rows, []string{f.Name, kind, strings.Join(f.Rules, ","), f.Description})
	}
	writeTable(e.stdout, rows)
}
