package reports

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"loyalcheck/compare"
	"loyalcheck/reports/chart"
)

// renderCompareHTML is the comparison as one self-contained page (the run
// report's CSS, no script, inline SVG): per series the percentile-
// distribution plot with BASE and NEW overlaid, and the side-by-side
// table.
func renderCompareHTML(w io.Writer, c *Comparison) error {
	var b strings.Builder
	if err := compareTemplate.Execute(&b, newCompareView(c, "")); err != nil {
		return err
	}
	_, err := io.WriteString(w, printable(b.String()))
	return err
}

// comparisonSection is the comparison as a section of a run's HTML report
// (accept --baseline): the same plots and tables as compare's page.
func comparisonSection(c *Comparison) (template.HTML, error) {
	var b strings.Builder
	if err := compareTemplate.ExecuteTemplate(&b, "comparison", newCompareView(c, "cmp-")); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

func newCompareView(c *Comparison, id string) compareView {
	v := compareView{
		ID:         id,
		CSS:        template.CSS(reportCSS),
		Verdict:    c.verdictWord(),
		Regression: c.Result.Regression,
		Reasons:    c.regressions(),
		Base:       runLine(c.Base),
		New:        runLine(c.New),
		Warnings:   c.Result.Warnings,
		Confidence: fmtPct(c.Result.Confidence),
		Method:     c.Result.Method,
		Overall:    c.overall(),
	}
	if d := c.Result.Contract; d != nil {
		v.Contract = contractLines(d)
	}
	for i, s := range c.series() {
		sv := compareSeriesView{Name: s.Name, Chart: template.HTML(distributionChart(c, s.Name, i).SVG())}
		for _, f := range s.Figures {
			abs, rel := f.change()
			row := compareRow{Stat: f.Stat, Base: f.value(f.Base, f.HasBase), New: f.value(f.New, f.HasNew), Change: abs, Rel: rel, Verdict: f.verdict()}
			if f.Metric != nil {
				row.Reason = f.Metric.Reason
				row.Regression = f.Metric.Verdict == compare.Regression
			}
			sv.Rows = append(sv.Rows, row)
		}
		v.Series = append(v.Series, sv)
	}
	return v
}

type compareView struct {
	// ID prefixes the sections' ids: none on the comparison's own page,
	// "cmp-" within a run's report.
	ID         string
	CSS        template.CSS
	Verdict    string
	Regression bool
	Reasons    []string
	Base, New  string
	Warnings   []string
	Series     []compareSeriesView
	Overall    []compare.Metric
	Contract   []string
	Confidence string
	Method     string
}

type compareSeriesView struct {
	Name  string
	Chart template.HTML
	Rows  []compareRow
}

type compareRow struct {
	Stat, Base, New, Change, Rel, Verdict, Reason string
	Regression                                    bool
}

// distributionChart overlays BASE (dashed grey) and NEW (the step's colour)
// of one series, in milliseconds.
func distributionChart(c *Comparison, name string, i int) *chart.Percentile {
	p := &chart.Percentile{ID: fmt.Sprintf("pct-%d", i), Title: "latency of " + name + " by percentile, BASE and NEW",
		YLabel: "latency (ms)", YUnit: "ms", W: 760, H: 300, Empty: "no latency histogram in either run"}
	for _, sd := range []struct {
		label string
		run   ComparedRun
		color string
		dash  bool
	}{{"BASE", c.Base, "#7F7F7F", true}, {"NEW", c.New, chart.StepColor(name, i), false}} {
		s := sd.run.Run.Find(name)
		if s == nil || s.Hist == nil || s.Hist.TotalCount() == 0 {
			continue
		}
		ps := chart.PercentileSeries{Name: sd.label + " " + sd.run.Label, Color: sd.color, Dashed: sd.dash}
		// Tenths of a decade, up to the rarest quantile the samples reach.
		// The slowest sample closes the line at 1 in n.
		n := float64(s.Hist.TotalCount())
		for k := 0; ; k++ {
			q := 1 - math.Pow(10, -float64(k)/10)
			if chart.OneInN(q) >= n {
				break
			}
			v, _ := quantile(s, q)
			ps.Q = append(ps.Q, q)
			ps.Y = append(ps.Y, v/1e6)
		}
		if n > 1 {
			v, _ := quantile(s, 1)
			ps.Q = append(ps.Q, 1-1/n)
			ps.Y = append(ps.Y, v/1e6)
		}
		p.Series = append(p.Series, ps)
	}
	return p
}

var compareTemplate = template.Must(template.New("compare").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="loyalcheck">
<title>loyalcheck compare: {{.Verdict}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<header class="banner {{if .Regression}}fail{{else}}pass{{end}}" id="verdict">
  <div class="wrap">
    <div class="verdict-line"><span class="verdict-word">{{.Verdict}}</span><span class="verdict-what">loyalcheck compare</span></div>
    {{if .Reasons}}<ul class="reasons">{{range .Reasons}}<li>{{.}}</li>{{end}}</ul>{{end}}
    <dl class="facts"><div><dt>BASE</dt><dd>{{.Base}}</dd></div><div><dt>NEW</dt><dd>{{.New}}</dd></div><div><dt>confidence</dt><dd>{{.Confidence}}</dd></div></dl>
  </div>
</header>
<main class="wrap">
{{if .Warnings}}<section class="notes" id="warnings"><h2>The runs differ</h2><ul>{{range .Warnings}}<li>{{.}}</li>{{end}}</ul></section>{{end}}
{{template "comparison" .}}
</main>
</body>
</html>
{{define "comparison"}}<style>
.cmp td, .cmp th { padding: 3px 10px; text-align: right; white-space: nowrap; vertical-align: top; }
.cmp td:first-child, .cmp th:first-child, .cmp td.verdict, .cmp th:last-child { text-align: left; white-space: normal; }
.cmp tr.regression td { color: var(--fail); font-weight: 700; }
.reason { color: var(--muted); font-size: 13px; }
</style>
{{range .Series}}
<section id="{{$.ID}}series-{{.Name}}">
  <h2>{{.Name}}</h2>
  <figure class="chart-box">{{.Chart}}</figure>
  <table class="cmp">
    <thead><tr><th></th><th>BASE</th><th>NEW</th><th>change</th><th>rel</th><th>verdict</th></tr></thead>
    <tbody>{{range .Rows}}<tr{{if .Regression}} class="regression"{{end}}><td>{{.Stat}}</td><td>{{.Base}}</td><td>{{.New}}</td><td>{{.Change}}</td><td>{{.Rel}}</td><td class="verdict">{{.Verdict}}{{if .Reason}}<div class="reason">{{.Reason}}</div>{{end}}</td></tr>{{end}}</tbody>
  </table>
</section>
{{end}}
{{if .Overall}}<section id="{{.ID}}all-steps"><h2>All steps</h2><ul>{{range .Overall}}<li><b>{{.Name}}</b> {{.Verdict}}: {{.Reason}}</li>{{end}}</ul></section>{{end}}
{{if .Contract}}<section id="{{.ID}}contract"><h2>Contract</h2><ul>{{range .Contract}}<li>{{.}}</li>{{end}}</ul></section>{{end}}
<section id="{{.ID}}method"><h2>Method (confidence {{.Confidence}})</h2><p class="lead">{{.Method}}</p></section>
{{end}}`))
