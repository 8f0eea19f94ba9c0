package reports

import (
	"fmt"
	"sort"
	"strings"

	"loyalcheck/api"

	"loyalcheck/reports/record"
)

// The contract section of the HTML report: the coverage and the matrix of
// rules by endpoint, the findings and the evidence of each case.

type contractView struct {
	Summary  record.CheckCounts
	Rules    string
	Coverage []coverageRow
	Accepted string
	Profile  string
	Took     string
	Columns  []string
	Areas    []matrixArea
	Findings []findingRow
	Problems int
	ColSpan  int
}

type coverageRow struct {
	Class, State, Rules, Reason string
}

type matrixArea struct {
	Area string
	Rows []matrixRow
}

type matrixRow struct {
	Rule, Kind, Summary, Class, Href string
	Cells                            []matrixCell
}

type matrixCell struct {
	Class, Text, Title, Href string
}

// findingRow is one check on a rule; Cases are its findings (Multi when
// it tried more than one), each with the exchanges it rests on.
type findingRow struct {
	Anchor, Status, Rule, Kind, Check, Area, Endpoint, Message string
	Multi                                                      bool
	Cases                                                      []caseView
}

type caseView struct {
	Status, Message string
	Evidence        []evidenceView
}

type evidenceView struct {
	Label, Head, Request, Response, Note string
}

// otherColumn holds findings that concern no single call.
const otherColumn = "whole run"

func statusRank(s record.Status) int {
	switch s {
	case record.Fail:
		return 4
	case record.Warn:
		return 3
	case record.Pass:
		return 2
	case record.Skip:
		return 1
	}
	return 0
}

func buildContractView(c *record.Contract) *contractView {
	cv := &contractView{Summary: c.Summary, Rules: c.Rules.String(), Profile: c.Profile, Took: fmtDuration(c.Ended.Sub(c.Started)),
		Accepted: strings.Join(c.AcceptUnverified, ",")}
	for _, n := range c.CoverageNotes {
		class := "skip"
		if n.State == record.Unverified {
			class = "fail"
		}
		cv.Coverage = append(cv.Coverage, coverageRow{Class: class, State: n.Label(), Rules: n.RuleList(), Reason: n.Reason})
	}
	for _, e := range api.Endpoints() {
		cv.Columns = append(cv.Columns, string(e))
	}
	cv.Columns = append(cv.Columns, otherColumn)
	cv.ColSpan = len(cv.Columns) + 2
	col := map[string]int{}
	for i, name := range cv.Columns {
		col[name] = i
	}

	// The findings list: one row per check on a rule, in area order, its
	// cases (and their exchanges) as its evidence; the first check of each
	// rule is the matrix's link target.
	first := map[string]string{}
	cells := map[string][]*cellAgg{}
	unknown := map[string]bool{}
	for _, g := range c.Areas {
		for _, ch := range g.Checks {
			anchor := fmt.Sprintf("f%d", len(cv.Findings)+1)
			if _, ok := first[ch.Rule]; !ok {
				first[ch.Rule] = anchor
			}
			cases := ch.ProblemCases()
			row := findingRow{Anchor: anchor, Status: string(ch.Status), Rule: ch.Rule, Kind: string(ch.Kind), Check: ch.Check, Area: ch.Area,
				Endpoint: endpointOf(cases[0]), Message: cases[0].Message, Multi: len(ch.Cases) > 1}
			if row.Multi {
				row.Message = fmt.Sprintf("%d of %d cases %s", len(cases), len(ch.Cases), caseVerb(ch.Status))
			}
			if ch.Status != record.Pass {
				cv.Problems++
			}
			for _, f := range ch.Cases {
				cs := caseView{Status: string(f.Status), Message: f.Message}
				if f.Evidence != nil {
					cs.Evidence = append(cs.Evidence, evidenceViewOf("Evidence", f.Evidence))
				}
				for i := range f.Trail {
					cs.Evidence = append(cs.Evidence, evidenceViewOf(fmt.Sprintf("Earlier exchange %d", i+1), &f.Trail[i]))
				}
				row.Cases = append(row.Cases, cs)
			}
			cv.Findings = append(cv.Findings, row)
			for _, f := range ch.Cases {
				cellOf(cells, unknown, f, anchor, col, len(cv.Columns))
			}
		}
	}
	rules := api.Rules()
	for _, id := range sortedKeys(unknown) {
		rules = append(rules, api.Rule{ID: id, Kind: "?", Area: "other", Summary: "(not in this build's rule catalogue)"})
	}
	areaIdx := map[string]int{}
	for _, r := range rules {
		i, ok := areaIdx[r.Area]
		if !ok {
			i = len(cv.Areas)
			areaIdx[r.Area] = i
			cv.Areas = append(cv.Areas, matrixArea{Area: r.Area})
		}
		row := matrixRow{Rule: r.ID, Kind: string(r.Kind), Summary: r.Summary, Class: "none", Href: "#" + first[r.ID]}
		if first[r.ID] == "" {
			row.Href = ""
		}
		worst := record.Status("")
		for ci := range cv.Columns {
			var a *cellAgg
			if cells[r.ID] != nil {
				a = cells[r.ID][ci]
			}
			if a == nil {
				row.Cells = append(row.Cells, matrixCell{Class: "none"})
				continue
			}
			if statusRank(a.worst) > statusRank(worst) {
				worst = a.worst
			}
			text := map[record.Status]string{record.Pass: "✓", record.Fail: "✗", record.Warn: "!", record.Skip: "–"}[a.worst]
			row.Cells = append(row.Cells, matrixCell{Class: string(a.worst), Text: text, Title: strings.Join(a.lines, "\n"), Href: a.href})
		}
		if worst != "" {
			row.Class = string(worst)
		}
		cv.Areas[i].Rows = append(cv.Areas[i].Rows, row)
	}
	return cv
}

// cellAgg is one cell of the rule matrix: the worst status of the cases
// in it, a line per case for its title, and the check its link targets.
type cellAgg struct {
	worst record.Status
	lines []string
	href  string
}

// cellOf adds a case to the matrix cells of its rule.
func cellOf(cells map[string][]*cellAgg, unknown map[string]bool, f record.Finding, anchor string, col map[string]int, ncol int) {
	if cells[f.Rule] == nil {
		cells[f.Rule] = make([]*cellAgg, ncol)
		if _, known := api.RuleByID(f.Rule); !known {
			unknown[f.Rule] = true
		}
	}
	for _, ci := range findingColumns(f, col) {
		a := cells[f.Rule][ci]
		if a == nil {
			a = &cellAgg{href: "#" + anchor}
			cells[f.Rule][ci] = a
		}
		if statusRank(f.Status) > statusRank(a.worst) {
			a.worst = f.Status
			a.href = "#" + anchor
		}
		a.lines = append(a.lines, fmt.Sprintf("%s %s: %s", strings.ToUpper(string(f.Status)), f.Check, oneLine(f.Message)))
	}
}

func caseVerb(s record.Status) string {
	switch s {
	case record.Fail:
		return "failed"
	case record.Warn:
		return "warned"
	case record.Skip:
		return "skipped"
	}
	return "passed"
}

// findingColumns returns the matrix columns a finding counts in: the
// whole-run column for the general and ledger rules (they hold for every
// call, not for the endpoint a check happened to use), else every
// endpoint its evidence and trail called, else its area's endpoint, else
// the whole-run column.
func findingColumns(f record.Finding, col map[string]int) []int {
	if f.Area == api.AreaGeneral || f.Area == api.AreaLedger {
		return []int{col[otherColumn]}
	}
	var out []int
	seen := map[int]bool{}
	addEp := func(ep string) {
		if ci, ok := col[ep]; ok && ep != otherColumn && !seen[ci] {
			seen[ci] = true
			out = append(out, ci)
		}
	}
	if f.Evidence != nil {
		addEp(f.Evidence.Endpoint)
	}
	for _, e := range f.Trail {
		addEp(e.Endpoint)
	}
	if len(out) == 0 {
		addEp(f.Area) // e.g. a search check that kept no evidence
	}
	if len(out) == 0 {
		out = append(out, col[otherColumn])
	}
	sort.Ints(out)
	return out
}

func evidenceViewOf(label string, e *record.Evidence) evidenceView {
	method := e.Method
	if method == "" {
		method = "POST"
	}
	ev := evidenceView{Label: label, Head: fmt.Sprintf("%s %s → HTTP %d", method, e.URL, e.Status), Note: e.Note}
	if e.KeySent != "" {
		ev.Head += " (apikey sent: " + e.KeySent + ")"
	}
	if len(e.Request) > 0 {
		ev.Request = pretty(e.Request)
	}
	if len(e.Body) > 0 {
		ev.Response = pretty(e.Body)
	}
	return ev
}
