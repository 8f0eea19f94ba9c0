package main

import (
	"context"
	"errors"
	"fmt"

	"loyalcheck/contract"
	"loyalcheck/load"
	"loyalcheck/preflight"
	"loyalcheck/reports"
	"loyalcheck/reports/record"
)

// stopped is a run that could not judge the target: why, as a record's
// error, and the exit code it ends with.
type stopped struct {
	kind string
	err  error
	code int
}

// stoppedBy classifies an error that stopped a run before or while it
// reached the target; nil when err is none of those (a bug or an
// interrupt, handled by the caller).
func stoppedBy(err error) *stopped {
	var ce *preflight.ConfigError
	var na *preflight.NoAPIError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return &stopped{record.ErrorConfig, err, exitUsage}
	case errors.As(err, &na):
		return &stopped{record.ErrorNoAPI, err, exitUnreachable}
	case errors.Is(err, preflight.ErrUnreachable), errors.Is(err, contract.ErrUnreachable), errors.Is(err, load.ErrUnreachable):
		return &stopped{record.ErrorUnreachable, err, exitUnreachable}
	}
	return nil
}

// checkTarget runs the preflight: every fixture client searched, every
// fixture point checked, with requests that change nothing. A target
// that is not the API, does not answer, refuses the key or does not know
// the fixtures stops the run here, before any verdict. The embedded
// sandbox made its fixtures itself: it is not checked (nil, nil).
func checkTarget(ctx context.Context, e *env, cmd string, tg *target) (*preflight.Result, *stopped) {
	if tg.embedded {
		return nil, nil
	}
	res, err := preflight.Run(ctx, tg.client, tg.fixtures)
	if err == nil {
		return res, nil
	}
	if st := stoppedBy(err); st != nil {
		return res, st
	}
	if ctx.Err() != nil {
		return res, &stopped{record.ErrorUnreachable, fmt.Errorf("interrupted during the preflight: %w", err), exitFail}
	}
	return res, &stopped{record.ErrorUnreachable, fmt.Errorf("preflight: %w", err), exitUnreachable}
}

// runFailed ends a run whose engine returned err: a stop (a bad
// configuration, an unreachable target) as stopRun does, anything else
// as one line on stderr and exit 1.
func runFailed(e *env, cmd string, rec *record.Record, dir, key string, err error) int {
	if st := stoppedBy(err); st != nil {
		return stopRun(e, cmd, rec, dir, key, st)
	}
	fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, scrub(err, key))
	return exitFail
}

// stopRun reports a run that could not judge the target on stderr,
// records the reason in rec (when set) and, when dir is set, still writes
// its record and reports (run.json, junit.xml, ...), so CI's JUnit
// publisher shows why the gate failed. It returns the stop's exit code.
func stopRun(e *env, cmd string, rec *record.Record, dir, key string, st *stopped) int {
	msg := scrub(st.err, key)
	fmt.Fprintf(e.stderr, "loyalcheck %s: %s\n", cmd, msg)
	if rec == nil {
		return st.code
	}
	rec.Error = &record.RunError{Kind: st.kind, Message: msg}
	rec.Ended = nowUTC()
	reports.Judge(rec)
	if dir == "" {
		return st.code
	}
	paths, err := saveRun(rec, dir, key)
	if err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
		return st.code
	}
	fmt.Fprintln(e.stdout, "written:")
	for _, f := range reports.Formats() {
		if p, ok := paths[f]; ok {
			fmt.Fprintf(e.stdout, "  %-7s %s\n", f, p)
		}
	}
	fmt.Fprintln(e.stdout, "\nverdict: "+rec.Verdict.Word()+" — "+st.kind+": "+msg)
	return st.code
}
