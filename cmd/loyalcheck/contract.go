package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"loyalcheck/api"
	"loyalcheck/contract"
	"loyalcheck/reports"
	"loyalcheck/reports/record"
)

const contractHelp = `
Check every rule of the API (G*, S*, C*, H*, RT*, L*, B*: 'loyalcheck rules'
lists them with the checks that verify each) against a target and report,
per rule, pass, fail, warn or skip with the evidence: the request sent and
the status and body received (the apikey is never shown).

The suite runs in the documented order (search -> recalc -> hold ->
retail), reads balances before and after each state-changing call, and
uses only the points and clients of the fixtures file, picking clients by
role after searching them (a cashback client with a balance, one with
none, a discount client, ...). A rule the fixtures cannot exercise is
reported as skipped with the reason. Every response is also validated
against the API's JSON Schemas ('loyalcheck schemas').

A broken doc rule fails; a broken interp rule warns, and --profile strict
turns warnings into failures. Hold expiry (H6) needs a real wait of about
a minute: it runs only with --slow.

Coverage fails closed: a doc rule the fixtures or the target could not
exercise leaves it unverified and the verdict INCOMPLETE (exit 1), unless
accepted by name with --accept-unverified S3,C5. Rules left out by your
own choice (--only, --read-only, hold expiry without --slow) are "not in scope" and do
not make the run incomplete.

Without --read-only the suite WRITES to the target: it holds, releases and
retails, so points are spent and accrued on the fixture clients. With
--read-only it sends only search and recalc requests (not one hold, release
or retail, not even a malformed one); checks that need a write are skipped
with the reason "read-only".

Ctrl-C stops the suite: the check running is reported as skipped
("interrupted"), every hold the run made and did not end is released on a
fresh context (at most 10 s), and any it could not release is listed by id.

With no --target it starts the embedded sandbox on a loopback port with its
own fixtures. With --target it needs --fixtures FILE and the apikey in the
environment variable LOYALCHECK_APIKEY (never a flag).

Before any check, a preflight searches every fixture client and checks
every fixture point (searches and recalcs only). With --out DIR the run
record and its reports (run.json, report.*, junit.xml) are written there,
also when the run stops at the preflight or on an unreachable target.

Exit codes: 0 no failures (warnings allowed); 1 at least one failure, or
a doc rule unverified and not accepted (INCOMPLETE);
2 usage or configuration error (bad flag, unreadable fixtures file, unset
LOYALCHECK_APIKEY with --target, fixture clients or points the target does
not know); 3 the target is unreachable, refuses the apikey, or serves no
loyalty API at that URL.`

func runContract(ctx context.Context, e *env, args []string) int {
	const cmd = "contract"
	var tf targetFlags
	var cf contractFlags
	fs := newFlags(e, cmd, "[--target URL --fixtures FILE] [flags]", contractHelp+formatsHelp(), noArgs{}, &tf, &cf)
	only := fs.StringSlice("only", nil, "run only these rule ids and/or check names, comma-separated (e.g. RT1,H3)")
	jsonOut := fs.String("json", "", "also write the run record (run.json's content) to FILE")
	outDir := fs.String("out", "", "directory for the run record and its reports (run.json, report.html, junit.xml, ...)")
	tolerance := fs.Duration("clock-tolerance", contract.DefaultClockTolerance, "how far held.until may be off (H2), and how long after until an expired hold may still show (H6)")
	color := fs.Bool("color", false, "colour the report's statuses")
	verbose := fs.BoolP("verbose", "v", false, "show evidence of passes and the trail of failures too")
	list := fs.Bool("list", false, "list the checks (name, rule, summary) and exit")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if *list {
		listChecks(e)
		return exitOK
	}
	if err := contract.ValidateOnly(*only...); err != nil {
		return usageErr(e, cmd, "--only: %v (see --list)", err)
	}
	if *tolerance <= 0 {
		return usageErr(e, cmd, "--clock-tolerance must be positive")
	}
	if *jsonOut != "" {
		// Fail on an unwritable file now, not after the run.
		f, err := os.Create(*jsonOut)
		if err != nil {
			return usageErr(e, cmd, "--json: %v", err)
		}
		f.Close()
	}
	if *outDir != "" {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			return usageErr(e, cmd, "--out: %v", err)
		}
	}

	tg, code := tf.open(ctx, e, cmd, api.WithMaxConns(64))
	if code != exitOK {
		return code
	}
	defer tg.close()

	key := tg.key(e)
	rec := tg.describe(record.New(record.KindContract, toolVersion()), nil)
	stop := func(st *stopped) int {
		code := stopRun(e, cmd, rec, *outDir, key, st)
		if *jsonOut != "" {
			if err := writeRecordFile(e, *jsonOut, rec, key); err != nil {
				fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
			}
		}
		return code
	}
	if _, st := checkTarget(ctx, e, cmd, tg); st != nil {
		return stop(st)
	}
	opts := append(cf.options(),
		contract.WithOnly(*only...),
		contract.WithClockTolerance(*tolerance),
		contract.WithAPIKey(key),
		contract.WithReadOnly(tf.readOnly),
	)
	if cf.slow && e.stderrIsTTY {
		fmt.Fprintln(e.stderr, "--slow: waiting about a minute for a hold to expire (H6)")
	}
	res, err := contract.Run(ctx, tg.client, tg.fixtures, opts...)
	switch {
	case err == nil:
	case errors.Is(err, contract.ErrUnreachable):
		return stop(&stopped{record.ErrorUnreachable, fmt.Errorf("%s: %w", tg.url, err), exitUnreachable})
	case ctx.Err() != nil && res != nil:
		fmt.Fprintf(e.stderr, "loyalcheck %s: interrupted; the report below is partial\n", cmd)
	default:
		fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, scrub(err, key))
		return exitUsage
	}
	if res == nil {
		return exitUsage
	}
	rec.Contract = res.Record()
	code = finishRun(e, cmd, rec, key, runOutput{dir: *outDir, recordFile: *jsonOut,
		opts: []reports.Option{reports.WithColor(*color), reports.WithVerbose(*verbose)}})
	if ctx.Err() != nil {
		return exitFail // an interrupted run is never signed off
	}
	return code
}

// scrub removes the apikey from an error message, should it ever quote
// it; the client redacts what the target sent before any error is built
// from it, and stderr is behind the output safety net too.
func scrub(err error, key string) string {
	return api.NewRedactor(key).OutputString(err.Error())
}

func listChecks(e *env) {
	rows := [][]string{{"CHECK", "RULE", "KIND", "SUMMARY"}}
	for _, c := range contract.Checks() {
		kind := ""
		if r, ok := api.RuleByID(c.Rule); ok {
			kind = string(r.Kind)
		}
		summary := c.Summary
		if c.Slow {
			summary += " (--slow)"
		}
		rows = append(rows, []string{c.Name, c.Rule, kind, summary})
	}
	rows = append(rows, []string{contract.SchemaCheck, "*", "", "every response is validated against its JSON Schema"})
	writeTable(e.stdout, rows)
}
