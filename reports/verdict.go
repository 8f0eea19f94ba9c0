package reports

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"loyalcheck/api"
	"loyalcheck/contract"
	"loyalcheck/load"
)

// Verdict is the run's outcome. Pass is false when anything that must
// hold did not; Reasons then says each thing, one line each. Notes are
// what a reader should know that did not fail the run (warnings, skipped
// checks, an audit that could not run).
type Verdict struct {
	Pass    bool     `json:"pass"`
	Reasons []string `json:"reasons"`
	Notes   []string `json:"notes"`
}

// Word is PASS or FAIL.
func (v Verdict) Word() string {
	if v.Pass {
		return "PASS"
	}
	return "FAIL"
}

// Judge computes the verdict from the record's results. A run fails on
// any failed contract finding, a contract result without findings, any
// ledger finding with status fail, any contract violation under load, any
// threshold not met (a threshold that could not be measured is not met),
// an interrupted load run (it cannot be signed off) and a record with
// nothing measured. Ledger violations and contract failures fail the run
// whatever the thresholds say. Warnings, skipped checks, an audit that
// could not run, unexpected outcomes and dropped sessions are notes: the
// thresholds decide whether those fail the run.
func (r *Record) Judge() {
	var reasons, notes []string
	if c := r.Contract; c != nil {
		rules, n := failedRules(c)
		if len(c.Findings) == 0 {
			reasons = append(reasons, "contract: no check ran, so nothing was verified")
		}
		if n > 0 {
			reasons = append(reasons, fmt.Sprintf("contract: %s failed (%s)", plural(len(rules), "rule"), strings.Join(rules, ", ")))
		}
		var warn, skip int
		for _, f := range c.Findings {
			switch f.Status {
			case contract.Warn:
				warn++
			case contract.Skip:
				skip++
			}
		}
		if warn > 0 {
			notes = append(notes, fmt.Sprintf("contract: %s on interpretive rules (see the findings)", plural(warn, "warning")))
		}
		if skip > 0 {
			notes = append(notes, fmt.Sprintf("contract: %s skipped, so their rules are not verified", plural(skip, "check")))
		}
	}
	if s := r.Load; s != nil {
		l := s.Ledger
		for _, g := range ledgerGroups(l.Findings, "fail") {
			reasons = append(reasons, fmt.Sprintf("ledger: %s on %s", g.rule, plural(g.clients, "client")))
		}
		for _, g := range ledgerGroups(l.Findings, "warn") {
			notes = append(notes, fmt.Sprintf("ledger: %s on %s could be explained by requests that got no answer", g.rule, plural(g.clients, "client")))
		}
		if l.Skipped != "" {
			notes = append(notes, "ledger: not audited: "+l.Skipped)
		}
		for _, v := range s.Violations {
			reasons = append(reasons, fmt.Sprintf("load: %s broken %s in %s responses", v.Rule, times(v.Count), v.Step))
		}
		if s.Interrupted {
			reasons = append(reasons, fmt.Sprintf("load: interrupted after %s of %s: an incomplete run cannot pass", s.Elapsed.Round(time.Second), s.Duration))
		}
		if t := s.Totals(); t.Unexpected > 0 {
			notes = append(notes, fmt.Sprintf("load: %d of %d requests had an unexpected outcome (%.3g%%)", t.Unexpected, t.Requests, float64(t.Unexpected)/float64(max(t.Requests, 1))*100))
		}
		if s.Sessions.Dropped > 0 {
			notes = append(notes, fmt.Sprintf("load: %s dropped at the in-flight cap of %d", plural64(s.Sessions.Dropped, "session start"), s.Sessions.MaxInFlight))
		}
	}
	for _, t := range r.Thresholds {
		if !t.Pass {
			reasons = append(reasons, "threshold "+t.Expr+": "+measuredText(t))
		}
	}
	if r.Contract == nil && r.Load == nil && len(r.Capacity) == 0 {
		reasons = append(reasons, "nothing was measured: the record holds no contract, load or capacity result")
	}
	r.Verdict = Verdict{Pass: len(reasons) == 0, Reasons: nonNil(reasons), Notes: nonNil(notes)}
}

// failedRules lists the distinct rules of failed findings in catalogue
// order, and how many findings failed.
func failedRules(c *contract.Result) ([]string, int) {
	seen := map[string]bool{}
	n := 0
	for _, f := range c.Findings {
		if f.Status == contract.Fail {
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
	items   []load.LedgerFinding
}

// ledgerGroups groups ledger findings of one status by rule, in rule order.
func ledgerGroups(fs []load.LedgerFinding, status string) []ledgerGroup {
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
func measuredText(t load.ThresholdResult) string {
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
