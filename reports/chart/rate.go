package chart

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// RatePoint is one step on a rate chart: its rate, its value, its
// verdict (pass, fail or skip: the marker's shape) and a tooltip. Line
// marks the points the series' line goes through (one per rate).
type RatePoint struct {
	X, Y   float64 // NaN Y: not measured, no marker
	Status string
	Title  string
	Line   bool
}

// RateSeries is one quantity measured at each step.
type RateSeries struct {
	Name, Color string
	Dashed      bool
	Points      []RatePoint
}

// Mark is a vertical annotation at a rate, labelled at the top of the
// plot: the knee of a capacity search.
type Mark struct {
	X      float64
	Label  string
	Color  string
	Dashed bool
}

// Ref is a horizontal reference line, e.g. an SLO's limit.
type Ref struct {
	Y     float64
	Label string
	Color string
}

// Rate plots what was measured against the offered rate: a line per
// series through the rates tried, a marker per step shaped by its
// verdict, SLO limits as horizontal lines and the knee as a shaded band
// between two vertical marks. The x axis is logarithmic when the rates
// span more than ten times; the y axis when LogY allows it and the
// values span more than YLogSpan times.
type Rate struct {
	ID, Title      string
	XLabel, YLabel string
	Series         []RateSeries
	Shapes         []Series // legend entries explaining the markers
	Marks          []Mark   // at most two: the band between them is shaded
	Refs           []Ref
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

// SVG draws the rate chart as an <svg> element.
func (c *Rate) SVG() string {
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
		step := g.yFromZero(yhi, 1.08)
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
		pts := append([]RatePoint{}, s.Points...)
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
	var ls []Series
	for _, s := range c.Series {
		ls = append(ls, Series{Name: s.Name, Color: s.Color, Dashed: s.Dashed})
	}
	if c.Diagonal != "" {
		ls = append(ls, Series{Name: c.Diagonal, Color: "#8c959f", Dashed: true})
	}
	legend(&b, g, append(ls, c.Shapes...), false)
	b.WriteString("</svg>")
	return b.String()
}

// marks draws the vertical annotations and their labels above the plot:
// the first mark's label ends at its line, the second starts at its own,
// so that two close marks keep their labels apart; a label that would
// leave the plot, or run into the other, moves up a row.
func (c *Rate) marks(b *strings.Builder, g chartGeom) {
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
