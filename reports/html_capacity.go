package reports

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"

	"loyalcheck/reports/chart"

	"loyalcheck/reports/record"
)

// The capacity section of the HTML report: the steps of the search, the
// knee, and the charts against the offered rate.

type capacityView struct {
	Class, Big, Unit, Headline string
	Facts                      []fact
	Latency, Errors, Rates     template.HTML
	Steps                      []capacityRow
	Ledger                     ledgerView
}

type capacityRow struct {
	N, Phase, Length, Asked, Achieved, Requests, Sessions string
	P50, P99, P999, Errors, Violations, Dropped           string
	Status, Word, Knee                                    string
	Reasons                                               []string
}

// Colours of the capacity charts (Okabe-Ito, as the steps'); green and
// red mark the knee.
const (
	colorP50       = "#56B4E9"
	colorP99       = "#0072B2"
	colorP999      = "#CC79A7"
	colorErrors    = "#D55E00"
	colorRequests  = "#E69F00"
	colorCapacity  = "#1a7f37"
	colorFailing   = "#cf222e"
	colorNeutral   = "#57606a"
	capacityChartW = 960
)

func buildCapacityView(c *record.Capacity) *capacityView {
	v := &capacityView{Class: "pass", Headline: capacityHeadline(c), Unit: "sessions/s"}
	pass := c.PassingStep()
	switch {
	case c.Ledger.Failed:
		v.Class, v.Big, v.Unit = "fail", "no figure", "the ledger audit "+ledgerFailure(c.Ledger)
	case !c.Found || pass == nil:
		v.Class, v.Big, v.Unit = "fail", "none found", c.Stopped
	default:
		v.Big = record.FormatRate(c.MaxPassing)
		if c.FirstFailing == 0 {
			v.Big = "≥ " + v.Big
		}
		v.Unit = fmt.Sprintf("sessions/s · %s requests/s", fmtNum(c.MaxPassingRequests))
		if c.Failed {
			v.Class = "fail"
		}
	}
	v.Facts = []fact{
		{"Scenario", c.Scenario},
		{"SLOs", sloText(c)},
		{"Search", searchText(c)},
		{"Stopped", c.Stopped + ": " + c.Note},
		{"Steps", fmt.Sprintf("%d, in %s with the ledger audit", len(c.Steps), fmtDuration(c.Elapsed))},
	}
	if pass != nil {
		v.Facts = append(v.Facts, fact{"Highest passing", fmt.Sprintf("%s sessions/s, %s requests/s (step %d, %s)", record.FormatRate(c.MaxPassing), fmtNum(c.MaxPassingRequests), pass.N, pass.Duration)})
	}
	if c.FirstFailing > 0 {
		v.Facts = append(v.Facts, fact{"First failing", fmt.Sprintf("%s sessions/s, %s requests/s: %s", record.FormatRate(c.FirstFailing), fmtNum(c.FirstFailingRequests), strings.Join(c.BrokenBy, "; "))})
	}
	passN, failN := kneeN(pass, c.Found), kneeN(c.FailingStep(), true)
	for _, st := range stepsByRate(c) {
		status, word := stepStatus(st)
		row := capacityRow{
			N: fmt.Sprint(st.N), Phase: st.Phase, Length: st.Duration.String(), Asked: record.FormatRate(st.Asked), Achieved: record.FormatRate(st.Achieved),
			Requests: fmt.Sprintf("%.1f", st.RequestRate), Sessions: fmt.Sprint(st.Sessions),
			P50: fmtMs(st.Session.P50), P99: fmtMs(st.Session.P99), P999: fmtMs(st.Session.P999),
			Errors: fmtPct(st.ErrorFraction), Violations: fmt.Sprint(st.ViolationTotal()), Dropped: fmt.Sprint(st.Dropped),
			Status: status, Word: word,
		}
		switch st.N {
		case passN:
			row.Knee = "capacity"
		case failN:
			row.Knee = "first failing"
		}
		if status != "pass" {
			row.Reasons = st.Reasons
		}
		v.Steps = append(v.Steps, row)
	}
	v.Latency = template.HTML(capacityLatencyChart(c))
	v.Errors = template.HTML(capacityErrorChart(c))
	v.Rates = template.HTML(capacityRateChart(c))
	v.Ledger = buildLedgerView(c.Ledger)
	v.Ledger.Lead = "After the last step every client's balance was compared with the harness's own books, over all the steps: a point lost (L1), spent twice (L2) or held forever (L3) shows here, and voids the capacity figure."
	return v
}

// capacityMarks are the knee's marks: the highest passing rate and the
// first failing one with what broke there.
func capacityMarks(c *record.Capacity) []chart.Mark {
	var out []chart.Mark
	if pass := c.PassingStep(); pass != nil {
		m := chart.Mark{X: pass.Asked, Label: "capacity " + record.FormatRate(pass.Asked) + "/s", Color: colorCapacity}
		if !c.Found {
			m.Label, m.Color = "SLOs held to "+record.FormatRate(pass.Asked)+"/s (no figure: ledger)", colorNeutral
		}
		if c.FirstFailing == 0 {
			m.Label = "capacity ≥ " + record.FormatRate(pass.Asked) + "/s (nothing failed)"
		}
		out = append(out, m)
	}
	if fail := c.FailingStep(); fail != nil {
		out = append(out, chart.Mark{X: fail.Asked, Label: record.FormatRate(fail.Asked) + "/s fails: " + brokenLabel(c), Color: colorFailing, Dashed: true})
	}
	return out
}

// brokenLabel names what broke at the first failing rate: the SLOs
// first, then the other conditions, and how many more there were.
func brokenLabel(c *record.Capacity) string {
	exprs := map[string]bool{}
	for _, t := range c.Thresholds {
		exprs[t.Expr] = true
	}
	var slo, other []string
	for _, r := range c.BrokenBy {
		if s := shortReason(r); exprs[s] {
			slo = append(slo, s)
		} else {
			other = append(other, s)
		}
	}
	all := append(slo, other...)
	if len(all) == 0 {
		return "?"
	}
	label := all[0]
	if len(slo) > 1 {
		label = strings.Join(slo, ", ")
		all = all[len(slo)-1:]
	}
	if len(all) > 1 {
		label += fmt.Sprintf(" (+%d more)", len(all)-1)
	}
	return clip(label, 70)
}

// capacityLine picks, per rate, the step a chart's line goes through: a
// finished step over an interrupted one, then the longest, then the last.
func capacityLine(c *record.Capacity) map[int]bool {
	best := map[float64]record.CapacityStep{}
	for _, st := range c.Steps {
		b, ok := best[st.Asked]
		switch {
		case !ok,
			b.Interrupted && !st.Interrupted,
			b.Interrupted == st.Interrupted && st.Duration >= b.Duration:
			best[st.Asked] = st
		}
	}
	out := map[int]bool{}
	for _, st := range best {
		out[st.N] = true
	}
	return out
}

// capacityPoints makes one chart series from a value of each step.
func capacityPoints(c *record.Capacity, line map[int]bool, what string, value func(record.CapacityStep) float64, text func(float64) string) []chart.RatePoint {
	var out []chart.RatePoint
	for _, st := range c.Steps {
		status, word := stepStatus(st)
		y := value(st)
		title := fmt.Sprintf("step %d (%s, %s): %s/s asked, %s/s achieved; %s %s; %s", st.N, st.Phase, st.Duration, record.FormatRate(st.Asked), record.FormatRate(st.Achieved), what, text(y), word)
		if len(st.Reasons) > 0 && status != "pass" {
			title += ": " + strings.Join(st.Reasons, "; ")
		}
		out = append(out, chart.RatePoint{X: st.Asked, Y: y, Status: status, Title: title, Line: line[st.N]})
	}
	return out
}

func capacityShapes() []chart.Series {
	return []chart.Series{
		{Name: "passed", Color: colorNeutral, Shape: "pass"},
		{Name: "failed", Color: colorNeutral, Shape: "fail"},
		{Name: "not judged", Color: colorNeutral, Shape: "skip"},
	}
}

const capacityXLabel = "offered load: session starts per second asked"

func capacityLatencyChart(c *record.Capacity) string {
	line := capacityLine(c)
	msOf := func(pick func(record.Latency) time.Duration) func(record.CapacityStep) float64 {
		return func(st record.CapacityStep) float64 {
			d := pick(st.Session)
			if st.Sessions == 0 || d <= 0 {
				return math.NaN()
			}
			return float64(d) / 1e6
		}
	}
	ms := func(v float64) string { return fmtLatency(time.Duration(v * 1e6)) }
	ch := chart.Rate{ID: "chart-capacity-latency", Title: "Latency of whole sessions (p50, p99, p99.9) against the offered session rate, in milliseconds, with the knee marked",
		XLabel: capacityXLabel, YLabel: "session latency (ms)", LogY: true, W: capacityChartW, H: 400,
		Series: []chart.RateSeries{
			{Name: "p50", Color: colorP50, Points: capacityPoints(c, line, "p50", msOf(func(l record.Latency) time.Duration { return l.P50 }), ms)},
			{Name: "p99", Color: colorP99, Points: capacityPoints(c, line, "p99", msOf(func(l record.Latency) time.Duration { return l.P99 }), ms)},
			{Name: "p99.9", Color: colorP999, Points: capacityPoints(c, line, "p99.9", msOf(func(l record.Latency) time.Duration { return l.P999 }), ms)},
		},
		Shapes: capacityShapes(), Marks: capacityMarks(c)}
	colors := map[string]string{"p50": colorP50, "p99": colorP99, "p99.9": colorP999}
	for _, t := range c.Thresholds {
		if col, ok := colors[t.Metric]; ok && t.Step == "session" && t.Unit == "ns" && t.Limit > 0 {
			ch.Refs = append(ch.Refs, chart.Ref{Y: t.Limit / 1e6, Label: "SLO " + t.Expr, Color: col})
		}
	}
	return ch.SVG()
}

func capacityErrorChart(c *record.Capacity) string {
	pctText := func(v float64) string { return fmtPct(v / 100) }
	ch := chart.Rate{ID: "chart-capacity-errors", Title: "Unexpected outcomes as a share of requests against the offered session rate, with the knee marked",
		XLabel: capacityXLabel, YLabel: "% of requests", W: capacityChartW, H: 280, Empty: "no unexpected outcome at any rate",
		Series: []chart.RateSeries{{Name: "unexpected outcomes (errors)", Color: colorErrors,
			Points: capacityPoints(c, capacityLine(c), "errors", func(st record.CapacityStep) float64 { return st.ErrorFraction * 100 }, pctText)}},
		Shapes: capacityShapes(), Marks: capacityMarks(c)}
	if c.ImplicitErrors > 0 {
		ch.Refs = append(ch.Refs, chart.Ref{Y: c.ImplicitErrors * 100, Label: "limit " + fmtShare(c.ImplicitErrors) + " (no errors SLO given)", Color: colorErrors})
	}
	for _, t := range c.Thresholds {
		if t.Metric == "errors" && t.Step == "" && t.Unit == "%" && t.Limit > 0 {
			ch.Refs = append(ch.Refs, chart.Ref{Y: t.Limit * 100, Label: "SLO " + t.Expr, Color: colorErrors})
		}
	}
	return ch.SVG()
}

func capacityRateChart(c *record.Capacity) string {
	line := capacityLine(c)
	perS := func(v float64) string { return fmtNum(v) + "/s" }
	ch := chart.Rate{ID: "chart-capacity-throughput", Title: "Session starts achieved and requests per second measured against the offered session rate",
		XLabel: capacityXLabel, YLabel: "per second", LogY: true, W: capacityChartW, H: 320, Diagonal: "achieved = asked",
		Series: []chart.RateSeries{
			{Name: "sessions/s achieved", Color: colorP99, Points: capacityPoints(c, line, "sessions achieved", func(st record.CapacityStep) float64 { return st.Achieved }, perS)},
			{Name: "requests/s measured", Color: colorRequests, Points: capacityPoints(c, line, "requests", func(st record.CapacityStep) float64 { return st.RequestRate }, perS)},
		},
		Shapes: capacityShapes(), Marks: capacityMarks(c)}
	return ch.SVG()
}
