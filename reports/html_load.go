package reports

import (
	"fmt"
	"html/template"
	"math"
	"time"

	"loyalcheck/reports/chart"

	"loyalcheck/reports/record"
)

// The load section of the HTML report: per-step latencies, unexpected
// outcomes, contention, the ledger audit and the charts over time.

type loadView struct {
	Facts       []fact
	Steps       []stepRow
	Percentiles template.HTML
	Latency     template.HTML
	Session     template.HTML
	Throughput  template.HTML
	Errors      template.HTML
	Violations  []record.ViolationCount
	Unexpected  []unexpectedRow
	Contention  *contentionView
	Ledger      ledgerView
	Interrupted bool
}

type stepRow struct {
	Name, Color, Requests, Rate, Success, Refused, Errors, Violations string
	P50, P90, P95, P99, P999, Max, Mean                               string
	Session, Bad                                                      bool
}

type unexpectedRow struct {
	Step, Error string
	Count       uint64
}

type contentionView struct {
	Facts []fact
	Chart template.HTML
}

type ledgerView struct {
	Class, Word, Line, Lead string
	Stats                   []fact
	Findings                []record.LedgerFinding
	Uncertain               uint64
}

func buildLoadView(s *record.Load) *loadView {
	ss := s.Sessions
	lv := &loadView{
		Facts: []fact{
			{"Scenario", s.Scenario},
			{"Pacer", pacerText(s.Pacer)},
			{"Duration", fmt.Sprintf("%s of session starts; took %s with drain and audit", s.Duration, fmtDuration(s.Elapsed))},
			{"Session rate", fmt.Sprintf("%.1f/s asked, %.1f/s achieved", s.AskedRate, s.AchievedRate)},
			{"Requests", fmt.Sprintf("%.1f/s over all steps", s.RequestRate)},
			{"Sessions", fmt.Sprintf("%d scheduled, %d started, %d completed, %d failed, %d dropped, %d aborted", ss.Scheduled, ss.Started, ss.Completed, ss.Failed, ss.Dropped, ss.Aborted)},
			{"Concurrency", fmt.Sprintf("peak %d sessions in flight (cap %d)", ss.PeakFlight, ss.MaxInFlight)},
		},
		Violations:  s.Violations,
		Interrupted: s.Interrupted,
	}
	for i, m := range stepRows(s) {
		l := m.Latency
		lv.Steps = append(lv.Steps, stepRow{
			Name: rowName(m), Color: chart.StepColor(m.Name, i),
			Requests: fmt.Sprint(m.Requests), Rate: fmt.Sprintf("%.1f", m.Rate), Success: fmtPct(m.Success),
			Refused: fmt.Sprint(m.Refused), Errors: fmt.Sprint(m.Unexpected), Violations: fmt.Sprint(m.Violations),
			P50: fmtMs(l.P50), P90: fmtMs(l.P90), P95: fmtMs(l.P95), P99: fmtMs(l.P99), P999: fmtMs(l.P999), Max: fmtMs(l.Max), Mean: fmtMs(l.Mean),
			Session: m.Name == "session", Bad: m.Unexpected > 0 || m.Violations > 0,
		})
		for _, e := range m.Errors {
			lv.Unexpected = append(lv.Unexpected, unexpectedRow{Step: m.Name, Error: e.Error, Count: e.Count})
		}
	}
	lv.Percentiles = template.HTML(percentileChart(s))
	tl := timelineOf(s)
	lv.Latency = template.HTML(tl.latencyChart())
	lv.Session = template.HTML(tl.sessionChart())
	lv.Throughput = template.HTML(tl.throughputChart())
	lv.Errors = template.HTML(tl.errorChart())
	if c := s.Contention; c != nil {
		lv.Contention = &contentionView{
			Facts: []fact{
				{"Hot clients", fmt.Sprint(c.HotClients)},
				{"Holds", fmt.Sprintf("%d accepted, %d refused", c.HoldsAccepted, c.HoldsRefused)},
				{"Spends", fmt.Sprintf("%d accepted, %d refused", c.SpendsAccepted, c.SpendsRefused)},
			},
			Chart: template.HTML(contentionChart(c)),
		}
	}
	lv.Ledger = buildLedgerView(s.Ledger)
	return lv
}

func buildLedgerView(l record.Ledger) ledgerView {
	v := ledgerView{Class: "pass", Word: "OK", Line: ledgerLine(l), Findings: l.Findings, Uncertain: l.Uncertain,
		Lead: "After the run every client's balance was compared with the harness's own books: a point lost (L1), spent twice (L2) or held forever (L3) shows here."}
	switch {
	case l.Skipped != "":
		v.Class, v.Word = "warn", "NOT AUDITED"
	case len(ledgerGroups(l.Findings, "fail")) > 0:
		v.Class, v.Word = "fail", "FAIL"
	case len(l.Findings) > 0:
		v.Class, v.Word = "warn", "WARNINGS"
	}
	v.Stats = []fact{
		{"Clients audited", fmt.Sprint(l.Clients)},
		{"Clients touched", fmt.Sprint(l.Touched)},
		{"Points spent", fmtNum(l.Spent)},
		{"Points earned", fmtNum(l.Earned)},
		{"Holds", fmt.Sprint(l.Holds)},
		{"Released", fmt.Sprint(l.Released)},
		{"Unanswered requests", fmt.Sprint(l.Uncertain)},
	}
	return v
}

// percentileChart draws p50, p90, p99 and p99.9 of each step as grouped
// bars (the whole session, much longer, is in the table and has its own
// chart over time).
func percentileChart(s *record.Load) string {
	var groups []string
	ps := []chart.Series{
		{Name: "p50", Color: "#9ecae1"},
		{Name: "p90", Color: "#6baed6"},
		{Name: "p99", Color: "#2171b5"},
		{Name: "p99.9", Color: "#08306b"},
	}
	for _, m := range s.Steps {
		groups = append(groups, m.Name)
		l := m.Latency
		for i, d := range []time.Duration{l.P50, l.P90, l.P99, l.P999} {
			v := math.NaN()
			if m.Requests > 0 {
				v = float64(d) / 1e6
			}
			ps[i].Y = append(ps[i].Y, v)
		}
	}
	c := chart.Bar{ID: "chart-percentiles", Title: "Latency percentiles per step, in milliseconds", YLabel: "latency (ms)", Groups: groups, Series: ps, W: 960, H: 320, Value: fmtNum}
	return c.SVG()
}

func contentionChart(c *record.Contention) string {
	var groups []string
	hot := chart.Series{Name: "p99 on hot clients", Color: "#D55E00"}
	cold := chart.Series{Name: "p99 on the other clients", Color: "#0072B2"}
	for i, h := range c.Hot {
		groups = append(groups, h.Step)
		hv, cv := math.NaN(), math.NaN()
		if h.Latency.Count > 0 {
			hv = float64(h.Latency.P99) / 1e6
		}
		if i < len(c.Cold) && c.Cold[i].Latency.Count > 0 {
			cv = float64(c.Cold[i].Latency.P99) / 1e6
		}
		hot.Y, cold.Y = append(hot.Y, hv), append(cold.Y, cv)
	}
	ch := chart.Bar{ID: "chart-contention", Title: "p99 latency per step on hot clients and on the others, in milliseconds", YLabel: "p99 latency (ms)", Groups: groups, Series: []chart.Series{hot, cold}, W: 960, H: 280, Value: fmtNum}
	return ch.SVG()
}

// timeline is the per-second data of a run, gaps filled, possibly
// coarsened to keep long runs' charts light.
type timeline struct {
	x        []float64 // seconds since start, bucket start
	width    float64   // seconds per bucket
	steps    []string
	reqs     map[string][]float64 // requests per second
	errs     map[string][]float64 // unexpected outcomes per second
	p99      map[string][]float64 // ms; NaN where nothing ran
	sessions []float64            // sessions ended per second
	sessP99  []float64
	// partial is set when the last point covers less than its width (the
	// run's last, unfinished second): its rates are not comparable.
	partial bool
}

// maxChartPoints bounds the points per line.
const maxChartPoints = 300

func timelineOf(s *record.Load) *timeline {
	t := &timeline{width: 1, reqs: map[string][]float64{}, errs: map[string][]float64{}, p99: map[string][]float64{}}
	for _, m := range s.Steps {
		t.steps = append(t.steps, m.Name)
	}
	known := map[string]bool{}
	for _, n := range t.steps {
		known[n] = true
	}
	for _, b := range s.Timeline { // a step seen only in the timeline
		for _, k := range sortedKeys(b.Requests) {
			if !known[k] {
				known[k] = true
				t.steps = append(t.steps, k)
			}
		}
	}
	if len(s.Timeline) == 0 {
		return t
	}
	last := 0
	for _, b := range s.Timeline {
		last = max(last, b.Second)
	}
	width := 1
	for (last+1)/width > maxChartPoints {
		width *= 2
	}
	t.width = float64(width)
	n := last/width + 1
	for _, st := range t.steps {
		t.reqs[st] = make([]float64, n)
		t.errs[st] = make([]float64, n)
		t.p99[st] = nanSlice(n)
	}
	t.sessions = make([]float64, n)
	t.sessP99 = nanSlice(n)
	for i := range n {
		t.x = append(t.x, float64(i*width))
	}
	if el := s.Elapsed.Seconds(); el > 0 && el < float64((n-1)*width)+t.width {
		t.partial = true
	}
	for _, b := range s.Timeline {
		if b.Second < 0 {
			continue
		}
		i := b.Second / width
		for st, v := range b.Requests {
			if _, ok := t.reqs[st]; ok {
				t.reqs[st][i] += float64(v) / t.width
			}
		}
		for st, v := range b.Errors {
			if _, ok := t.errs[st]; ok {
				t.errs[st][i] += float64(v) / t.width
			}
		}
		for st, v := range b.P99Ms {
			if p, ok := t.p99[st]; ok && (math.IsNaN(p[i]) || v > p[i]) {
				p[i] = v
			}
		}
		t.sessions[i] += float64(b.Sessions) / t.width
		if b.Sessions > 0 && (math.IsNaN(t.sessP99[i]) || b.SessionP99 > t.sessP99[i]) {
			t.sessP99[i] = b.SessionP99
		}
	}
	return t
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

func (t *timeline) xLabel() string {
	if t.width > 1 {
		return fmt.Sprintf("seconds since the start (%g s per point)", t.width)
	}
	return "seconds since the start"
}

func (t *timeline) latencyChart() string {
	c := chart.Line{ID: "chart-latency", Title: "p99 latency of each step over time, in milliseconds", XLabel: t.xLabel(), YLabel: "p99 latency (ms)", YUnit: " ms", X: t.x, W: 960, H: 300}
	for i, st := range t.steps {
		c.Series = append(c.Series, chart.Series{Name: st, Color: chart.StepColor(st, i), Y: t.p99[st]})
	}
	return c.SVG()
}

func (t *timeline) sessionChart() string {
	c := chart.Line{ID: "chart-session", Title: "p99 latency of whole sessions over time, in milliseconds", XLabel: t.xLabel(), YLabel: "session p99 (ms)", YUnit: " ms", X: t.x, W: 960, H: 240,
		Series: []chart.Series{{Name: "whole session p99", Color: chart.StepColor("session", 0), Y: t.sessP99}}}
	return c.SVG()
}

func (t *timeline) throughputChart() string {
	c := chart.Line{ID: "chart-throughput", Title: "Requests per second of each step, and sessions per second, over time", XLabel: t.xLabel(), YLabel: "per second", YUnit: "/s", X: t.x, W: 960, H: 300,
		Series: t.throughputSeries()}
	return c.SVG()
}

// throughputSeries are the rates per step and of sessions; the run's last,
// partial second is left out: drawn as a whole one, it would show a drop
// in throughput that never happened.
func (t *timeline) throughputSeries() []chart.Series {
	cut := func(y []float64) []float64 {
		if !t.partial || len(y) == 0 {
			return y
		}
		out := append([]float64{}, y...)
		out[len(out)-1] = math.NaN()
		return out
	}
	var ss []chart.Series
	for i, st := range t.steps {
		ss = append(ss, chart.Series{Name: st + " requests", Color: chart.StepColor(st, i), Y: cut(t.reqs[st])})
	}
	return append(ss, chart.Series{Name: "sessions ended", Color: chart.StepColor("session", 0), Dashed: true, Y: cut(t.sessions)})
}

func (t *timeline) errorChart() string {
	c := chart.Line{ID: "chart-errors", Title: "Unexpected outcomes per second of each step, over time", XLabel: t.xLabel(), YLabel: "errors per second", YUnit: "/s", X: t.x, W: 960, H: 220,
		Stacked: true, Empty: "no unexpected outcome during the whole run"}
	for i, st := range t.steps {
		c.Series = append(c.Series, chart.Series{Name: st, Color: chart.StepColor(st, i), Y: t.errs[st]})
	}
	// Keep the legend to the steps that had errors, when some had.
	var bad []chart.Series
	for _, s := range c.Series {
		for _, v := range s.Y {
			if v > 0 {
				bad = append(bad, s)
				break
			}
		}
	}
	if len(bad) > 0 {
		c.Series = bad
	}
	return c.SVG()
}
