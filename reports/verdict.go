package reports

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"loyalcheck/api"

	"loyalcheck/reports/record"
)

// Judge computes the verdict from the record's results. A run fails on
// any failed contract finding, a contract result without findings, any
// ledger finding with status fail, any contract violation under load, any
// threshold not met (a threshold that could not be measured is not met),
// an interrupted load run (it cannot be signed off) and a record with
// nothing measured. Ledger violations and contract failures fail the run
// whatever the thresholds say. Warnings, skipped checks, an audit that
// could not run, unexpected outcomes and dropped sessions are notes: the
// thresholds decide whether those fail the run.
func Judge(r *record.Record) {
	var reasons, notes, incomplete []string
	if r.Error != nil {
		reasons = append(reasons, "run stopped ("+r.Error.Kind+"): "+r.Error.Message)
	}
	if c := r.Contract; c != nil {
		rules, n := failedRules(c)
		findings := c.Findings()
		if len(findings) == 0 {
			reasons = append(reasons, "contract: no check ran, so nothing was verified")
		}
		if n > 0 {
			reasons = append(reasons, fmt.Sprintf("contract: %s failed (%s)", plural(len(rules), "rule"), strings.Join(rules, ", ")))
		}
		var warn int
		for _, f := range findings {
			if f.Status == record.Warn {
				warn++
			}
		}
		if warn > 0 {
			notes = append(notes, fmt.Sprintf("contract: %s on interpretive rules (see the findings)", plural(warn, "warning")))
		}
		if len(findings) > 0 {
			incomplete, notes = judgeCoverage(c, notes)
		}
		for _, n := range c.Notes {
			notes = append(notes, "contract: "+n)
		}
	}
	if s := r.Load; s != nil {
		l := s.Ledger
		reasons, notes = judgeLedger(l, reasons, notes)
		if l.Skipped != "" {
			notes = append(notes, "ledger: not audited: "+l.Skipped)
		}
		if n := l.UnreleasedNote; n != "" {
			notes = append(notes, "load: "+n)
		}
		for _, v := range s.Violations {
			reasons = append(reasons, fmt.Sprintf("load: %s broken %s in %s responses", v.Rule, times(v.Count), v.Step))
		}
		if s.Interrupted {
			reasons = append(reasons, fmt.Sprintf("load: interrupted after %s of %s: an incomplete run cannot pass", s.Elapsed.Round(time.Second), s.Duration))
		}
		if t := s.Total; t.Unexpected > 0 {
			notes = append(notes, fmt.Sprintf("load: %d of %d requests had an unexpected outcome (%.3g%%)", t.Unexpected, t.Requests, float64(t.Unexpected)/float64(max(t.Requests, 1))*100))
		}
		if s.Sessions.Dropped > 0 {
			notes = append(notes, fmt.Sprintf("load: %s dropped at the in-flight cap of %d", plural64(s.Sessions.Dropped, "session start"), s.Sessions.MaxInFlight))
		}
	}
	if c := r.Capacity; c != nil {
		reasons, notes = judgeCapacity(c, reasons, notes)
	}
	for _, t := range r.Thresholds {
		if !t.Pass {
			reasons = append(reasons, "threshold "+t.Expr+": "+measuredText(t))
		}
	}
	if c := r.Comparison; c != nil {
		if c.Regression {
			reasons = append(reasons, "regression against the baseline "+c.Baseline+": "+strings.Join(comparisonRegressions(c), ", "))
		}
		for _, w := range c.Warnings {
			notes = append(notes, "comparison: "+w)
		}
	}
	if r.Contract == nil && r.Load == nil && r.Capacity == nil && r.Error == nil {
		reasons = append(reasons, "nothing was measured: the record holds no contract, load or capacity result")
	}
	r.Verdict = record.Verdict{Pass: len(reasons) == 0 && len(incomplete) == 0, Incomplete: len(reasons) == 0 && len(incomplete) > 0,
		Reasons: nonNil(append(reasons, incomplete...)), Notes: nonNil(notes)}
}

// judgeCoverage returns a reason per doc rule the contract left unverified
// (without the user's acceptance: each makes the run incomplete), and adds
// notes for the other rules not fully verified: interp rules unverified,
// rules accepted unverified, rules not in scope by the user's choice.
func judgeCoverage(c *record.Contract, notes []string) (incomplete, _ []string) {
	for _, n := range c.CoverageNotes {
		var doc, other []string
		// A rule alone on its line keeps its full reason, which names the
		// check that gave it.
		docWhy, otherWhy := n.Reason, n.Reason
		for _, rc := range n.Rules {
			if n.State == record.Unverified && rc.Doc() {
				doc = append(doc, rc.Rule)
				docWhy = rc.Reason
			} else {
				other = append(other, rc.Rule)
				otherWhy = rc.Reason
			}
		}
		if len(doc) > 1 {
			docWhy = n.Reason
		}
		if len(other) > 1 {
			otherWhy = n.Reason
		}
		switch len(doc) {
		case 0:
		case 1:
			incomplete = append(incomplete, fmt.Sprintf("contract: %s (doc) unverified: %s", doc[0], oneLine(docWhy)))
		default:
			incomplete = append(incomplete, fmt.Sprintf("contract: %s (doc rules) unverified: %s", strings.Join(doc, ", "), oneLine(docWhy)))
		}
		if len(other) == 0 {
			continue
		}
		n.Reason = otherWhy
		list := strings.Join(other, ", ")
		if n.Reason == record.OnlyReason && len(other) > 1 {
			list = plural(len(other), "rule")
		}
		switch n.State {
		case record.Unverified:
			notes = append(notes, fmt.Sprintf("contract: %s unverified (interpretive): %s", list, oneLine(n.Reason)))
		case record.Accepted:
			notes = append(notes, fmt.Sprintf("contract: %s unverified, accepted by --accept-unverified: %s", list, oneLine(strings.TrimSuffix(n.Reason, " (accepted by --accept-unverified)"))))
		case record.NotInScope:
			notes = append(notes, fmt.Sprintf("contract: %s not in scope: %s", list, oneLine(n.Reason)))
		case record.Verified:
			notes = append(notes, fmt.Sprintf("contract: %s verified, %s", list, oneLine(n.Reason)))
		}
	}
	return incomplete, notes
}

// judgeCapacity adds a capacity search's reasons and notes. It fails
// when no capacity was found, when the ledger audit failed or could not
// run (a target that loses points has no capacity figure) and when any
// step's responses broke the contract, at whatever rate: the semantics of
// record.Capacity's Found and Failed.
func judgeCapacity(c *record.Capacity, reasons, notes []string) ([]string, []string) {
	l := c.Ledger
	reasons, notes = judgeLedger(l, reasons, notes)
	if l.Skipped != "" {
		reasons = append(reasons, "ledger: not audited: "+l.Skipped+" (a capacity figure needs a clean ledger)")
	}
	if n := l.UnreleasedNote; n != "" {
		notes = append(notes, "capacity: "+n)
	}
	for _, v := range capacityViolations(c) {
		reasons = append(reasons, fmt.Sprintf("capacity: %s broken %s in %s responses (at %s)", v.rule, times(v.count), v.step, strings.Join(v.rates, ", ")))
	}
	pass := c.PassingStep()
	switch {
	case l.Failed && pass != nil:
		reasons = append(reasons, fmt.Sprintf("capacity: no figure stands: the SLOs held up to %s/s, but the ledger audit failed", record.FormatRate(pass.Asked)))
	case !c.Found:
		reasons = append(reasons, fmt.Sprintf("capacity: none found (%s: %s)", c.Stopped, c.Note))
	case c.Stopped != record.StopConverged:
		notes = append(notes, fmt.Sprintf("capacity: %s: %s", c.Stopped, c.Note))
	case pass != nil && pass.Duration < c.Settings.StepDuration:
		notes = append(notes, "capacity: "+c.Note)
	}
	return reasons, notes
}

// judgeLedger adds a ledger audit's failed rules to reasons and those an
// unanswered request could explain (warnings) to notes, per rule with the
// number of clients.
func judgeLedger(l record.Ledger, reasons, notes []string) ([]string, []string) {
	for _, g := range ledgerGroups(l.Findings, "fail") {
		reasons = append(reasons, fmt.Sprintf("ledger: %s on %s", g.rule, plural(g.clients, "client")))
	}
	for _, g := range ledgerGroups(l.Findings, "warn") {
		notes = append(notes, fmt.Sprintf("ledger: %s on %s could be explained by requests that got no answer", g.rule, plural(g.clients, "client")))
	}
	return reasons, notes
}

type capacityViolation struct {
	step, rule string
	count      uint64
	rates      []string
}

// capacityViolations sums the contract violations of a search's steps by
// step and rule, with the rates they appeared at, in run order.
func capacityViolations(c *record.Capacity) []capacityViolation {
	var out []capacityViolation
	idx := map[[2]string]int{}
	for _, st := range c.Steps {
		for _, v := range st.Violations {
			k := [2]string{v.Step, v.Rule}
			i, ok := idx[k]
			if !ok {
				i = len(out)
				idx[k] = i
				out = append(out, capacityViolation{step: v.Step, rule: v.Rule})
			}
			out[i].count += v.Count
			rate := record.FormatRate(st.Asked) + "/s"
			if !slices.Contains(out[i].rates, rate) {
				out[i].rates = append(out[i].rates, rate)
			}
		}
	}
	return out
}

// failedRules lists the distinct rules of failed findings in catalogue
// order, and how many findings failed.
func failedRules(c *record.Contract) ([]string, int) {
	seen := map[string]bool{}
	n := 0
	for _, f := range c.Findings() {
		if f.Status == record.Fail {
			n++
			seen[f.Rule] = true
		}
	}
	var out []string
	for _, r := range api.Rules() {
		if seen[r.ID] {
			out = append(out, r.ID)
			delete(seen, r.ID)
		}
	}
	out = append(out, sortedKeys(seen)...) // rules the catalogue does not know
	return out, n
}

type ledgerGroup struct {
	rule    string
	clients int
	items   []record.LedgerFinding
}

// ledgerGroups groups ledger findings of one status by rule, in rule order.
func ledgerGroups(fs []record.LedgerFinding, status string) []ledgerGroup {
	by := map[string]*ledgerGroup{}
	clients := map[string]map[string]bool{}
	for _, f := range fs {
		if f.Status != status {
			continue
		}
		g := by[f.Rule]
		if g == nil {
			g = &ledgerGroup{rule: f.Rule}
			by[f.Rule] = g
			clients[f.Rule] = map[string]bool{}
		}
		g.items = append(g.items, f)
		clients[f.Rule][f.Client] = true
	}
	out := make([]ledgerGroup, 0, len(by))
	for _, k := range sortedKeys(by) {
		g := by[k]
		g.clients = len(clients[k])
		out = append(out, *g)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].rule < out[j].rule })
	return out
}

// measuredText is what a threshold measured, or why nothing was.
func measuredText(t record.ThresholdResult) string {
	switch {
	case t.Note != "" && t.MeasuredText == "":
		return "not measured (" + t.Note + ")"
	case t.Note != "":
		return t.MeasuredText + " (" + t.Note + ")"
	case t.MeasuredText == "":
		return "not measured"
	}
	return t.MeasuredText
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func plural64(n uint64, word string) string { return plural(int(n), word) }

func times(n uint64) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
