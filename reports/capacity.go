package reports

import (
	"fmt"
	"sort"
	"strings"

	"loyalcheck/reports/record"
)

// Helpers shared by the renderers of a capacity search: the headline, the
// steps in rate order and a step's verdict, written the same way in every
// format.

// sloText lists the SLOs a capacity search held every step to, with the
// implicit bound on errors when no SLO bounds them.
func sloText(c *record.Capacity) string {
	exprs := make([]string, 0, len(c.Thresholds)+1)
	for _, t := range c.Thresholds {
		exprs = append(exprs, t.Expr)
	}
	if c.ImplicitErrors > 0 {
		exprs = append(exprs, "errors ≤ "+fmtShare(c.ImplicitErrors))
	}
	if len(exprs) == 0 {
		return "no SLO"
	}
	return strings.Join(exprs, ", ")
}

// fmtShare writes a share as a short percentage: 0.1%, 5%, 12.5%.
func fmtShare(v float64) string {
	return trimZeros(fmt.Sprintf("%.3f", v*100)) + "%"
}

// capacityFigure is the headline's first half: the capacity, or why there
// is none.
func capacityFigure(c *record.Capacity) string {
	pass := c.PassingStep()
	switch {
	case c.Ledger.Failed && pass != nil:
		return fmt.Sprintf("none: the ledger audit %s, so no figure stands (the SLOs held up to %s sessions/s)", ledgerFailure(c.Ledger), record.FormatRate(pass.Asked))
	case c.Ledger.Failed:
		return fmt.Sprintf("none: no rate passed, and the ledger audit %s", ledgerFailure(c.Ledger))
	case !c.Found || pass == nil:
		return "none found (" + c.Stopped + ")"
	}
	at := ""
	if c.FirstFailing == 0 {
		at = "at least "
	}
	return fmt.Sprintf("%s%s sessions/s (%s requests/s) keeping %s", at, record.FormatRate(c.MaxPassing), fmtNum(c.MaxPassingRequests), sloText(c))
}

// ledgerFailure says how the ledger audit failed: "failed (L1 on 3
// clients)" or "could not run (...)".
func ledgerFailure(l record.Ledger) string {
	if l.Skipped != "" {
		return "could not run (" + l.Skipped + ")"
	}
	var parts []string
	for _, g := range ledgerGroups(l.Findings, "fail") {
		parts = append(parts, fmt.Sprintf("%s on %s", g.rule, plural(g.clients, "client")))
	}
	return "failed (" + strings.Join(parts, ", ") + ")"
}

// capacityFailing is the headline's second half: the first failing rate
// and what broke there.
func capacityFailing(c *record.Capacity) string {
	if c.FirstFailing == 0 {
		if len(c.Steps) == 0 {
			return "no rate was tried"
		}
		return "no rate tried failed"
	}
	return fmt.Sprintf("first failing rate %s/s (%s requests/s) broken by %s", record.FormatRate(c.FirstFailing), fmtNum(c.FirstFailingRequests), strings.Join(c.BrokenBy, "; "))
}

// capacityHeadline is the search's result in one line.
func capacityHeadline(c *record.Capacity) string {
	return "capacity: " + capacityFigure(c) + "; " + capacityFailing(c)
}

// capacityOK reports whether the search found a capacity and nothing
// broke a rule.
func capacityOK(c *record.Capacity) bool {
	return c.Found && !c.Failed
}

// searchText says how the search was shaped.
func searchText(c *record.Capacity) string {
	s := c.Settings
	warm := "none"
	if s.StepDuration > 0 && s.Warmup > 0 {
		warm = fmtShare(float64(s.Warmup)/float64(s.StepDuration)) + " of each step"
	}
	return fmt.Sprintf("probes of %s grow the rate from %s/s by x%s up to %s/s, then steps of %s bisect to %s; warm-up %s; budget %s",
		s.ProbeDuration, record.FormatRate(s.Start), trimZeros(fmt.Sprintf("%.2f", s.Growth)), record.FormatRate(s.Max), s.StepDuration, fmtShare(s.Tolerance), warm, s.Budget)
}

// stepsByRate returns the steps in rate order (the order run among equal
// rates).
func stepsByRate(c *record.Capacity) []record.CapacityStep {
	steps := append([]record.CapacityStep{}, c.Steps...)
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].Asked < steps[j].Asked })
	return steps
}

// stepStatus is a step's verdict as a finding status (pass, fail, skip
// for a step too short to judge or interrupted) and as a word.
func stepStatus(st record.CapacityStep) (status, word string) {
	switch {
	case st.Interrupted:
		return "skip", "interrupted"
	case st.Inconclusive:
		return "skip", "too few"
	case !st.Pass:
		return "fail", "FAIL"
	}
	return "pass", "PASS"
}

// shortReason is a step's reason without its parenthesis: the SLO or the
// condition that broke.
func shortReason(r string) string {
	if i := strings.Index(r, " ("); i > 0 {
		return r[:i]
	}
	return r
}

// stepLabel names a step: "#3 grow 40/s for 5s".
func stepLabel(st record.CapacityStep) string {
	return fmt.Sprintf("#%d %s %s/s for %s", st.N, st.Phase, record.FormatRate(st.Asked), st.Duration)
}

// kneeN is the number of a step that marks the knee (the capacity or the
// first failing rate), -1 for none or when it does not count.
func kneeN(st *record.CapacityStep, counts bool) int {
	if st == nil || !counts {
		return -1
	}
	return st.N
}
