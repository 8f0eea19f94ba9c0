package reports

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"sort"
	"strconv"
	"strings"
)

// A small hand-written SVG chart builder for the HTML report: line charts
// over time and grouped bar charts, with axes, ticks, units, a grid and a
// legend. Charts are drawn server-side so they show without JavaScript;
// each line chart also carries its data in data-* attributes for the
// page's hover read-out.

// Step colours: the Okabe-Ito palette, safe for colour-blind readers;
// red and green are kept for pass and fail.
var stepColors = map[string]string{
	"search":  "#0072B2",
	"recalc":  "#E69F00",
	"hold":    "#CC79A7",
	"release": "#56B4E9",
	"retail":  "#009E73",
	"session": "#444444",
}

var spareColors = []string{"#D55E00", "#8C6D31", "#7F7F7F", "#17BECF"}

func stepColor(name string, i int) string {
	if c, ok := stepColors[name]; ok {
		return c
	}
	return spareColors[i%len(spareColors)]
}

// series is one line, or one colour of bars.
type series struct {
	Name   string
	Color  string
	Dashed bool
	Y      []float64 // NaN is a gap
	// Shape, when set, makes the series' legend entry a marker of that
	// shape (see marker) instead of a line or a box.
	Shape string
}

// chartGeom is the canvas and the plot area inside it.
type chartGeom struct {
	W, H                   float64
	Left, Right, Top, Bot  float64 // margins
	x0, x1, y0, y1         float64 // plot area in pixels (y0 is the bottom)
	xmin, xmax, ymin, ymax float64 // data range
	xlog, ylog             bool    // logarithmic axes (the range must be positive)
}

func newGeom(w, h float64) chartGeom {
	g := chartGeom{W: w, H: h, Left: 64, Right: 18, Top: 40, Bot: 46}
	g.x0, g.x1 = g.Left, w-g.Right
	g.y0, g.y1 = h-g.Bot, g.Top
	return g
}

func (g chartGeom) px(x float64) float64 {
	if g.xmax == g.xmin {
		return (g.x0 + g.x1) / 2
	}
	return g.x0 + scaled(x, g.xmin, g.xmax, g.xlog)*(g.x1-g.x0)
}

func (g chartGeom) py(y float64) float64 {
	if g.ymax == g.ymin {
		return g.y0
	}
	return g.y0 - scaled(y, g.ymin, g.ymax, g.ylog)*(g.y0-g.y1)
}

// scaled places v in [lo, hi] as a fraction of the axis, linearly or on a
// logarithmic axis (where a value at or below zero sits far below lo).
func scaled(v, lo, hi float64, log bool) float64 {
	if !log {
		return (v - lo) / (hi - lo)
	}
	v = math.Max(v, lo*1e-3)
	return (math.Log10(v) - math.Log10(lo)) / (math.Log10(hi) - math.Log10(lo))
}

// niceStep returns a round step (1, 2, 2.5 or 5 times a power of ten) that
// cuts span into about n intervals.
func niceStep(span float64, n int) float64 {
	if span <= 0 || math.IsNaN(span) || math.IsInf(span, 0) {
		return 1
	}
	raw := span / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*p*1.0000001 {
			return m * p
		}
	}
	return 10 * p
}

// ticks returns round values from lo to at least hi, step apart.
func ticks(lo, hi, step float64) []float64 {
	var out []float64
	start := math.Floor(lo/step+1e-9) * step
	for v := start; v <= hi+step*1e-6 && len(out) < 50; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out
}

// tickText writes a tick value with as many decimals as the step needs
// (0.25 steps get two, 2.5 steps one, 5 steps none).
func tickText(v, step float64) string {
	dec := 0
	for dec < 6 {
		s := step * math.Pow(10, float64(dec))
		if math.Abs(s-math.Round(s)) < 1e-6*math.Max(1, s) {
			break
		}
		dec++
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// secondsFormat returns how to write time ticks on an axis that ends at
// last seconds: 45s up to two minutes, then 2m and 2m30s.
func secondsFormat(last float64) func(float64) string {
	if last < 120 {
		return func(s float64) string { return strconv.Itoa(int(math.Round(s))) + "s" }
	}
	return secondsText
}

// secondsText writes a time tick in minutes: 2m, 2m30s.
func secondsText(s float64) string {
	n := int(math.Round(s))
	if n < 60 {
		return strconv.Itoa(n) + "s"
	}
	if n%60 == 0 {
		return strconv.Itoa(n/60) + "m"
	}
	return fmt.Sprintf("%dm%02ds", n/60, n%60)
}

func esc(s string) string { return html.EscapeString(s) }

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// lineChart is values over time, one line per series.
type lineChart struct {
	ID      string
	Title   string // accessible name, in <title>
	XLabel  string
	YLabel  string
	YUnit   string // appended to values in the hover read-out
	X       []float64
	Series  []series
	W, H    float64
	Empty   string // shown in the plot when every value is 0 or missing
	Stacked bool   // draw stacked bars per x instead of lines
}

func (c *lineChart) SVG() string {
	g := newGeom(c.W, c.H)
	g.xmin, g.xmax = 0, 1
	if len(c.X) > 0 {
		g.xmin, g.xmax = c.X[0], c.X[len(c.X)-1]
	}
	if c.Stacked {
		g.xmin -= 0.5
		g.xmax += 0.5
	}
	if g.xmax <= g.xmin {
		g.xmax = g.xmin + 1
	}
	top := 0.0
	for i := range c.X {
		sum := 0.0
		for _, s := range c.Series {
			if i < len(s.Y) && !math.IsNaN(s.Y[i]) {
				if c.Stacked {
					sum += s.Y[i]
				} else {
					top = math.Max(top, s.Y[i])
				}
			}
		}
		top = math.Max(top, sum)
	}
	allZero := top == 0
	if allZero {
		top = 1
	}
	ystep := niceStep(top, 5)
	g.ymin, g.ymax = 0, math.Ceil(top/ystep-1e-9)*ystep
	if g.ymax < top*1.04 {
		g.ymax += ystep
	}

	var b strings.Builder
	c.open(&b, g)
	yt := ticks(g.ymin, g.ymax, ystep)
	xt := timeTicks(g.xmin, g.xmax, c.Stacked)
	xfmt := secondsFormat(g.xmax)
	axes(&b, g, yt, tickFormat(ystep), xt, xfmt, c.XLabel, c.YLabel)

	if c.Stacked {
		n := float64(len(c.X))
		bw := math.Max(1, (g.x1-g.x0)/math.Max(n, 1)*0.8)
		for i, x := range c.X {
			base := 0.0
			for _, s := range c.Series {
				if i >= len(s.Y) || math.IsNaN(s.Y[i]) || s.Y[i] <= 0 {
					continue
				}
				yTop, yBot := g.py(base+s.Y[i]), g.py(base)
				fmt.Fprintf(&b, `<rect class="bar" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s at %s: %s%s</title></rect>`,
					f1(g.px(x)-bw/2), f1(yTop), f1(bw), f1(math.Max(yBot-yTop, 0.5)), s.Color, esc(s.Name), xfmt(x), fmtNum(s.Y[i]), esc(c.YUnit))
				base += s.Y[i]
			}
		}
	} else {
		for _, s := range c.Series {
			path := linePath(g, c.X, s.Y)
			if path == "" {
				continue
			}
			dash := ""
			if s.Dashed {
				dash = ` stroke-dasharray="6 4"`
			}
			fmt.Fprintf(&b, `<path class="line" d="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"%s/>`, path, s.Color, dash)
			if len(c.X) <= 40 {
				for i, x := range c.X {
					if i < len(s.Y) && !math.IsNaN(s.Y[i]) {
						fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="2.5" fill="%s"/>`, f1(g.px(x)), f1(g.py(s.Y[i])), s.Color)
					}
				}
			}
		}
	}
	if allZero && c.Empty != "" {
		fmt.Fprintf(&b, `<text class="empty" x="%s" y="%s" text-anchor="middle">%s</text>`, f1((g.x0+g.x1)/2), f1((g.y0+g.y1)/2), esc(c.Empty))
	}
	legend(&b, g, c.Series, c.Stacked)
	fmt.Fprintf(&b, `<line class="cross" x1="0" y1="%s" x2="0" y2="%s" visibility="hidden"/>`, f1(g.y1), f1(g.y0))
	b.WriteString("</svg>")
	return b.String()
}

// open writes the <svg> element with the chart's data for the hover
// read-out: the x values, the series and where the plot area is.
func (c *lineChart) open(b *strings.Builder, g chartGeom) {
	type js struct {
		Name  string     `json:"n"`
		Color string     `json:"c"`
		Y     []*float64 `json:"y"`
	}
	var ss []js
	for _, s := range c.Series {
		ys := make([]*float64, len(s.Y))
		for i, v := range s.Y {
			if !math.IsNaN(v) {
				v := math.Round(v*1000) / 1000
				ys[i] = &v
			}
		}
		ss = append(ss, js{s.Name, s.Color, ys})
	}
	data, _ := json.Marshal(map[string]any{
		"x": c.X, "s": ss, "unit": c.YUnit,
		"plot": []float64{g.x0, g.x1, g.xmin, g.xmax},
	})
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" id="%s" class="chart line-chart" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-title" data-chart="%s">`,
		esc(c.ID), f1(g.W), f1(g.H), esc(c.ID), esc(string(data)))
	fmt.Fprintf(b, `<title id="%s-title">%s</title>`, esc(c.ID), esc(c.Title))
}

func linePath(g chartGeom, xs, ys []float64) string {
	var b strings.Builder
	pen := false
	for i, x := range xs {
		if i >= len(ys) || math.IsNaN(ys[i]) {
			pen = false
			continue
		}
		cmd := "L"
		if !pen {
			cmd = "M"
		}
		fmt.Fprintf(&b, "%s%s %s", cmd, f1(g.px(x)), f1(g.py(ys[i])))
		pen = true
	}
	return b.String()
}

// timeTicks picks round second ticks (1, 2, 5, 10, 15, 30 s, then minutes).
func timeTicks(lo, hi float64, inner bool) []float64 {
	span := hi - lo
	step := 1.0
	for _, s := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600} {
		if hi >= 120 && s < 30 {
			continue // minute labels: steps of half a minute or more
		}
		step = s
		if span/s <= 10 {
			break
		}
	}
	var out []float64
	for _, v := range ticks(math.Ceil(lo), hi, step) {
		if v >= lo-1e-9 && v <= hi+1e-9 && (!inner || v >= 0) {
			out = append(out, v)
		}
	}
	return out
}

// tickFormat writes the ticks of a linear axis step apart (see tickText).
func tickFormat(step float64) func(float64) string {
	return func(v float64) string { return tickText(v, step) }
}

// axes draws the grid, both axes, their ticks and labels; yText and xText
// write the tick values (no x ticks without xText).
func axes(b *strings.Builder, g chartGeom, yt []float64, yText func(float64) string, xt []float64, xText func(float64) string, xLabel, yLabel string) {
	b.WriteString(`<g class="grid">`)
	for _, v := range yt {
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, f1(g.x0), f1(g.py(v)), f1(g.x1), f1(g.py(v)))
	}
	b.WriteString(`</g><g class="axis">`)
	fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, f1(g.x0), f1(g.y0), f1(g.x1), f1(g.y0))
	fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, f1(g.x0), f1(g.y0), f1(g.x0), f1(g.y1))
	for _, v := range yt {
		y := g.py(v)
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/><text class="tick" x="%s" y="%s" text-anchor="end">%s</text>`,
			f1(g.x0-4), f1(y), f1(g.x0), f1(y), f1(g.x0-7), f1(y+4), esc(yText(v)))
	}
	if xText != nil {
		for _, v := range xt {
			x := g.px(v)
			fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/><text class="tick" x="%s" y="%s" text-anchor="middle">%s</text>`,
				f1(x), f1(g.y0), f1(x), f1(g.y0+4), f1(x), f1(g.y0+17), esc(xText(v)))
		}
	}
	if xLabel != "" {
		fmt.Fprintf(b, `<text class="label" x="%s" y="%s" text-anchor="middle">%s</text>`, f1((g.x0+g.x1)/2), f1(g.H-6), esc(xLabel))
	}
	if yLabel != "" {
		cy := (g.y0 + g.y1) / 2
		fmt.Fprintf(b, `<text class="label" x="14" y="%s" text-anchor="middle" transform="rotate(-90 14 %s)">%s</text>`, f1(cy), f1(cy), esc(yLabel))
	}
	b.WriteString(`</g>`)
}

// legend draws the series names along the top of the plot, wrapping to a
// second row when they do not fit.
func legend(b *strings.Builder, g chartGeom, ss []series, boxes bool) {
	const sw, gap, charW = 22.0, 16.0, 7.0
	var widths []float64
	for _, s := range ss {
		widths = append(widths, sw+6+float64(len([]rune(s.Name)))*charW)
	}
	b.WriteString(`<g class="legend">`)
	x, y := g.x0, 16.0
	for i, s := range ss {
		if x+widths[i] > g.x1 && x > g.x0 {
			x, y = g.x0, y+16
		}
		switch {
		case s.Shape != "":
			marker(b, "key", s.Shape, x+sw/2, y-4, s.Color, "")
		case boxes:
			fmt.Fprintf(b, `<rect x="%s" y="%s" width="12" height="12" fill="%s"/>`, f1(x+5), f1(y-10), s.Color)
		default:
			dash := ""
			if s.Dashed {
				dash = ` stroke-dasharray="6 4"`
			}
			fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="3"%s/>`, f1(x), f1(y-4), f1(x+sw), f1(y-4), s.Color, dash)
		}
		fmt.Fprintf(b, `<text x="%s" y="%s">%s</text>`, f1(x+sw+6), f1(y), esc(s.Name))
		x += widths[i] + gap
	}
	b.WriteString(`</g>`)
}

// barChart is grouped bars: one group per category, one bar per series.
type barChart struct {
	ID     string
	Title  string
	YLabel string
	Groups []string
	Series []series // Y[i] is the value for Groups[i]
	W, H   float64
	Value  func(float64) string // the label over a bar
}

func (c *barChart) SVG() string {
	g := newGeom(c.W, c.H)
	g.Bot = 52
	g.y0 = c.H - g.Bot
	top := 0.0
	for _, s := range c.Series {
		for _, v := range s.Y {
			if !math.IsNaN(v) {
				top = math.Max(top, v)
			}
		}
	}
	if top == 0 {
		top = 1
	}
	ystep := niceStep(top, 5)
	g.ymin, g.ymax = 0, math.Ceil(top/ystep-1e-9)*ystep
	if g.ymax < top*1.1 { // room for the value labels
		g.ymax += ystep
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" id="%s" class="chart bar-chart" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-title">`,
		esc(c.ID), f1(c.W), f1(c.H), esc(c.ID))
	fmt.Fprintf(&b, `<title id="%s-title">%s</title>`, esc(c.ID), esc(c.Title))
	axes(&b, g, ticks(g.ymin, g.ymax, ystep), tickFormat(ystep), nil, nil, "", c.YLabel)

	n := len(c.Groups)
	if n == 0 {
		n = 1
	}
	groupW := (g.x1 - g.x0) / float64(n)
	ns := float64(max(len(c.Series), 1))
	barW := math.Min(groupW*0.8/ns, 46)
	labels := barW >= 26
	for gi, name := range c.Groups {
		cx := g.x0 + groupW*(float64(gi)+0.5)
		fmt.Fprintf(&b, `<text class="tick group" x="%s" y="%s" text-anchor="middle">%s</text>`, f1(cx), f1(g.y0+18), esc(name))
		left := cx - barW*ns/2
		for si, s := range c.Series {
			if gi >= len(s.Y) || math.IsNaN(s.Y[gi]) {
				continue
			}
			v := s.Y[gi]
			x, y := left+barW*float64(si), g.py(v)
			h := math.Max(g.y0-y, 0.5)
			txt := fmtNum(v)
			if c.Value != nil {
				txt = c.Value(v)
			}
			fmt.Fprintf(&b, `<rect class="bar" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s, %s: %s</title></rect>`,
				f1(x+1), f1(g.y0-h), f1(barW-2), f1(h), s.Color, esc(name), esc(s.Name), esc(txt))
			if labels {
				fmt.Fprintf(&b, `<text class="value" x="%s" y="%s" text-anchor="middle">%s</text>`, f1(x+barW/2), f1(g.y0-h-4), esc(txt))
			}
		}
	}
	legend(&b, g, c.Series, true)
	b.WriteString("</svg>")
	return b.String()
}

// marker draws a step's marker centred on (x, y): pass is a filled disc,
// fail a cross, skip (not judged) a hollow ring. A title, when given,
// is the browser's tooltip. Its class is "marker" and the shape, or
// "key" and the shape in a legend.
func marker(b *strings.Builder, class, shape string, x, y float64, color, title string) {
	tip := ""
	if title != "" {
		tip = "<title>" + esc(title) + "</title>"
	}
	switch shape {
	case "fail":
		const r = 5.0
		fmt.Fprintf(b, `<g class="%s fail"><path d="M%s %sL%s %sM%s %sL%s %s" stroke="#fff" stroke-width="5.5" stroke-linecap="round"/><path d="M%s %sL%s %sM%s %sL%s %s" stroke="%s" stroke-width="2.6" stroke-linecap="round"/>%s</g>`,
			class, f1(x-r), f1(y-r), f1(x+r), f1(y+r), f1(x-r), f1(y+r), f1(x+r), f1(y-r),
			f1(x-r), f1(y-r), f1(x+r), f1(y+r), f1(x-r), f1(y+r), f1(x+r), f1(y-r), color, tip)
	case "skip":
		fmt.Fprintf(b, `<circle class="%s skip" cx="%s" cy="%s" r="4.5" fill="#fff" stroke="%s" stroke-width="2">%s</circle>`, class, f1(x), f1(y), color, tip)
	default:
		fmt.Fprintf(b, `<circle class="%s pass" cx="%s" cy="%s" r="5" fill="%s" stroke="#fff" stroke-width="1.5">%s</circle>`, class, f1(x), f1(y), color, tip)
	}
}

// ratePoint is one step on a rate chart: its rate, its value, its
// verdict (pass, fail or skip: the marker's shape) and a tooltip. Line
// marks the points the series' line goes through (one per rate).
type ratePoint struct {
	X, Y   float64 // NaN Y: not measured, no marker
	Status string
	Title  string
	Line   bool
}

// rateSeries is one quantity measured at each step.
type rateSeries struct {
	Name, Color string
	Dashed      bool
	Points      []ratePoint
}

// vMark is a vertical annotation at a rate, labelled at the top of the
// plot: the knee of a capacity search.
type vMark struct {
	X      float64
	Label  string
	Color  string
	Dashed bool
}

// hRef is a horizontal reference line, e.g. an SLO's limit.
type hRef struct {
	Y     float64
	Label string
	Color string
}

// rateChart plots what was measured against the offered rate: a line per
// series through the rates tried, a marker per step shaped by its
// verdict, SLO limits as horizontal lines and the knee as a shaded band
// between two vertical marks. The x axis is logarithmic when the rates
// span more than ten times; the y axis when LogY allows it and the
// values span more than YLogSpan times.
type rateChart struct {
	ID, Title      string
	XLabel, YLabel string
	Series         []rateSeries
	Shapes         []series // legend entries explaining the markers
	Marks          []vMark  // at most two: the band between them is shaded
	Refs           []hRef
	Diagonal       string // when set, a dashed y = x line with this name
	LogY           bool   // allow a logarithmic y axis
	Empty          string // shown when every value is 0
	W, H           float64
	// XLog and YLog report the scales chosen, once drawn.
	XLog, YLog bool
}

// rateXLogSpan and rateYLogSpan: above these ratios of the largest to the
// smallest value, an axis is logarithmic.
const (
	rateXLogSpan = 10
	rateYLogSpan = 30
)

func (c *rateChart) SVG() string {
	g := newGeom(c.W, c.H)
	g.Top, g.Bot = 74, 48
	g.y1, g.y0 = g.Top, c.H-g.Bot
	// The x range: every rate and mark.
	xlo, xhi := math.Inf(1), math.Inf(-1)
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for _, p := range s.Points {
			if p.X > 0 {
				xlo, xhi = math.Min(xlo, p.X), math.Max(xhi, p.X)
			}
			if p.Y > 0 && !math.IsNaN(p.Y) {
				ylo, yhi = math.Min(ylo, p.Y), math.Max(yhi, p.Y)
			}
		}
	}
	for _, m := range c.Marks {
		if m.X > 0 {
			xlo, xhi = math.Min(xlo, m.X), math.Max(xhi, m.X)
		}
	}
	allZero := math.IsInf(yhi, 0) // nothing measured above zero
	for _, r := range c.Refs {
		if r.Y > 0 {
			ylo, yhi = math.Min(ylo, r.Y), math.Max(yhi, r.Y)
		}
	}
	if math.IsInf(xlo, 0) {
		xlo, xhi = 1, 10
	}
	c.XLog = xhi/xlo > rateXLogSpan
	var xt []float64
	if c.XLog {
		g.xlog = true
		g.xmin, g.xmax = xlo/1.3, xhi*1.3
		xt = logTicks(g.xmin, g.xmax, 12)
	} else {
		pad := math.Max(xhi-xlo, xhi) * 0.1
		lo, hi := xlo-pad, xhi+pad
		if xhi-xlo < xhi*0.3 {
			lo = 0 // a narrow span of rates, or one rate: shown against zero
		}
		step := niceStep(hi-math.Max(lo, 0), 6)
		g.xmin = math.Max(0, math.Floor(lo/step)*step)
		g.xmax = math.Ceil(hi/step) * step
		xt = ticks(g.xmin, g.xmax, step)
	}
	if math.IsInf(yhi, 0) {
		ylo, yhi = 1, 1
	}
	var yt []float64
	var ytext func(float64) string
	c.YLog = c.LogY && !allZero && yhi/ylo > rateYLogSpan
	if c.YLog {
		g.ylog = true
		g.ymin, g.ymax = niceLogFloor(ylo/1.15), niceLogCeil(yhi*1.15)
		yt = logTicks(g.ymin, g.ymax, 10)
		ytext = axisNum
	} else {
		step := niceStep(yhi, 5)
		g.ymin, g.ymax = 0, math.Ceil(yhi/step-1e-9)*step
		if g.ymax < yhi*1.08 {
			g.ymax += step
		}
		yt = ticks(g.ymin, g.ymax, step)
		ytext = tickFormat(step)
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" id="%s" class="chart rate-chart" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-title" data-xscale="%s" data-yscale="%s">`,
		esc(c.ID), f1(c.W), f1(c.H), esc(c.ID), scaleName(c.XLog), scaleName(c.YLog))
	fmt.Fprintf(&b, `<title id="%s-title">%s</title>`, esc(c.ID), esc(c.Title))
	// The knee: the band between the two marks, behind everything.
	if len(c.Marks) == 2 {
		a, z := g.px(c.Marks[0].X), g.px(c.Marks[1].X)
		fmt.Fprintf(&b, `<rect class="knee-band" x="%s" y="%s" width="%s" height="%s"/>`, f1(math.Min(a, z)), f1(g.y1), f1(math.Max(math.Abs(z-a), 2)), f1(g.y0-g.y1))
	}
	xl, yl := c.XLabel, c.YLabel
	if c.XLog {
		xl += " (log scale)"
	}
	if c.YLog {
		yl += ", log scale"
	}
	axes(&b, g, yt, ytext, xt, axisNum, xl, yl)
	if c.Diagonal != "" {
		// y = x, through enough points to stay straight or curve as the
		// two scales make it, within the plot.
		var xs, ys []float64
		for i := 0; i <= 80; i++ {
			v := g.xmin + (g.xmax-g.xmin)*float64(i)/80
			if g.xlog {
				v = g.xmin * math.Pow(g.xmax/g.xmin, float64(i)/80)
			}
			if v >= g.ymin && v <= g.ymax && (!g.ylog || v > 0) {
				xs, ys = append(xs, v), append(ys, v)
			}
		}
		if path := linePath(g, xs, ys); path != "" {
			fmt.Fprintf(&b, `<path class="diagonal" d="%s" fill="none" stroke="#8c959f" stroke-width="1.5" stroke-dasharray="5 4"/>`, path)
		}
	}
	for _, r := range c.Refs {
		y := g.py(r.Y)
		fmt.Fprintf(&b, `<g class="ref"><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" stroke-dasharray="8 4"/><text x="%s" y="%s" fill="%s">%s</text></g>`,
			f1(g.x0), f1(y), f1(g.x1), f1(y), r.Color, f1(g.x0+6), f1(y-5), r.Color, esc(r.Label))
	}
	for _, s := range c.Series {
		var xs, ys []float64
		pts := append([]ratePoint{}, s.Points...)
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].X < pts[j].X })
		for _, p := range pts {
			if p.Line {
				xs, ys = append(xs, p.X), append(ys, p.Y)
			}
		}
		if path := linePath(g, xs, ys); path != "" {
			dash := ""
			if s.Dashed {
				dash = ` stroke-dasharray="6 4"`
			}
			fmt.Fprintf(&b, `<path class="line" d="%s" fill="none" stroke="%s" stroke-width="1.8" stroke-linejoin="round"%s/>`, path, s.Color, dash)
		}
	}
	for _, s := range c.Series {
		for _, p := range s.Points {
			if math.IsNaN(p.Y) || (g.ylog && p.Y <= 0) {
				continue
			}
			marker(&b, "marker", p.Status, g.px(p.X), g.py(p.Y), s.Color, p.Title)
		}
	}
	if allZero && c.Empty != "" {
		fmt.Fprintf(&b, `<text class="empty" x="%s" y="%s" text-anchor="middle">%s</text>`, f1((g.x0+g.x1)/2), f1((g.y0+g.y1)/2), esc(c.Empty))
	}
	c.marks(&b, g)
	var ls []series
	for _, s := range c.Series {
		ls = append(ls, series{Name: s.Name, Color: s.Color, Dashed: s.Dashed})
	}
	if c.Diagonal != "" {
		ls = append(ls, series{Name: c.Diagonal, Color: "#8c959f", Dashed: true})
	}
	legend(&b, g, append(ls, c.Shapes...), false)
	b.WriteString("</svg>")
	return b.String()
}

// marks draws the vertical annotations and their labels above the plot:
// the first mark's label ends at its line, the second starts at its own,
// so that two close marks keep their labels apart; a label that would
// leave the plot, or run into the other, moves up a row.
func (c *rateChart) marks(b *strings.Builder, g chartGeom) {
	const charW = 6.6
	type box struct{ lo, hi, y float64 }
	var placed []box
	for i, m := range c.Marks {
		x := g.px(m.X)
		dash := ""
		if m.Dashed {
			dash = ` stroke-dasharray="7 4"`
		}
		w := float64(len([]rune(m.Label))) * charW
		anchor, lo := "start", x+5
		if i == 0 && len(c.Marks) > 1 || x+5+w > g.x1 {
			anchor, lo = "end", x-5-w
		}
		if lo < g.x0-g.Left+4 {
			anchor, lo = "start", x+5
		}
		y := g.y1 - 7
		for _, p := range placed {
			if lo < p.hi+8 && lo+w > p.lo-8 && y == p.y {
				y -= 15
			}
		}
		placed = append(placed, box{lo, lo + w, y})
		tx := lo
		if anchor == "end" {
			tx = lo + w
		}
		fmt.Fprintf(b, `<g class="knee" data-rate="%s"><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"%s/><text class="knee-label" x="%s" y="%s" text-anchor="%s" fill="%s">%s</text></g>`,
			axisNum(m.X), f1(x), f1(y+3), f1(x), f1(g.y0), m.Color, dash, f1(tx), f1(y), anchor, m.Color, esc(m.Label))
	}
}

func scaleName(log bool) string {
	if log {
		return "log"
	}
	return "linear"
}

// logTicks returns round values between lo and hi for a logarithmic axis:
// 1, 2 and 5 times the powers of ten, or fewer when that would be more
// than max ticks.
func logTicks(lo, hi float64, max int) []float64 {
	for _, mult := range [][]float64{{1, 2, 5}, {1, 3}, {1}} {
		var out []float64
		for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
			for _, m := range mult {
				v := roundSig(m * math.Pow(10, e))
				if v >= lo*(1-1e-9) && v <= hi*(1+1e-9) {
					out = append(out, v)
				}
			}
		}
		if len(out) <= max || len(mult) == 1 {
			return out
		}
	}
	return nil
}

// niceLogFloor and niceLogCeil round to 1, 2 or 5 times a power of ten.
func niceLogFloor(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{5, 2, 1} {
		if m*p <= v*(1+1e-9) {
			return roundSig(m * p)
		}
	}
	return roundSig(p)
}

func niceLogCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v*(1-1e-9) {
			return roundSig(m * p)
		}
	}
	return roundSig(10 * p)
}

func roundSig(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 9, 64), 64)
	return f
}

// axisNum writes a tick value without needless digits: 0.5, 20, 5000.
func axisNum(v float64) string {
	return strconv.FormatFloat(roundSig(v), 'f', -1, 64)
}
