package reports

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
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
}

// chartGeom is the canvas and the plot area inside it.
type chartGeom struct {
	W, H                   float64
	Left, Right, Top, Bot  float64 // margins
	x0, x1, y0, y1         float64 // plot area in pixels (y0 is the bottom)
	xmin, xmax, ymin, ymax float64 // data range
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
	return g.x0 + (x-g.xmin)/(g.xmax-g.xmin)*(g.x1-g.x0)
}

func (g chartGeom) py(y float64) float64 {
	if g.ymax == g.ymin {
		return g.y0
	}
	return g.y0 - (y-g.ymin)/(g.ymax-g.ymin)*(g.y0-g.y1)
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
	axes(&b, g, yt, ystep, xt, xfmt, c.XLabel, c.YLabel)

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

// axes draws the grid, both axes, their ticks and labels.
func axes(b *strings.Builder, g chartGeom, yt []float64, ystep float64, xt []float64, xText func(float64) string, xLabel, yLabel string) {
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
			f1(g.x0-4), f1(y), f1(g.x0), f1(y), f1(g.x0-7), f1(y+4), tickText(v, ystep))
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
		if boxes {
			fmt.Fprintf(b, `<rect x="%s" y="%s" width="12" height="12" fill="%s"/>`, f1(x+5), f1(y-10), s.Color)
		} else {
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
	axes(&b, g, ticks(g.ymin, g.ymax, ystep), ystep, nil, nil, "", c.YLabel)

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
