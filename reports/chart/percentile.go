package chart

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Percentile is the chart HdrHistogram users read: latency by percentile
// on a logarithmic "1 in N" x axis, where x = 1/(1-q) puts 0%, 90%, 99%,
// 99.9%... one decade apart, so the tail gets as much room as the body.
// Each series is one distribution (e.g. BASE and NEW of one step).
type Percentile struct {
	ID     string
	Title  string // accessible name, in <title>
	YLabel string
	YUnit  string // appended to values in tooltips
	Series []PercentileSeries
	W, H   float64
	Empty  string // shown when no series has a point
}

// PercentileSeries is one distribution: Y[i] at quantile Q[i] (0 to
// below 1, ascending).
type PercentileSeries struct {
	Name   string
	Color  string
	Dashed bool
	Q, Y   []float64 // a NaN Y is a gap
}

// OneInN places quantile q on the x axis: 1/(1-q).
func OneInN(q float64) float64 { return 1 / (1 - q) }

// PercentileLabel writes the tick of x = 1/(1-q) as a percentile: 0%,
// 90%, 99%, 99.9%.
func PercentileLabel(x float64) string {
	q := (1 - 1/x) * 100
	return strconv.FormatFloat(roundSig(q), 'f', -1, 64) + "%"
}

// SVG draws the chart as an <svg> element.
func (c *Percentile) SVG() string {
	g := newGeom(c.W, c.H)
	g.xlog = true
	g.xmin, g.xmax = 1, 10
	top := 0.0
	points := 0
	for _, s := range c.Series {
		for i, q := range s.Q {
			if i >= len(s.Y) || math.IsNaN(s.Y[i]) || q < 0 || q >= 1 {
				continue
			}
			points++
			g.xmax = math.Max(g.xmax, OneInN(q))
			top = math.Max(top, s.Y[i])
		}
	}
	// Whole decades, so the last tick is a round percentile.
	g.xmax = math.Pow(10, math.Ceil(math.Log10(g.xmax)-1e-9))
	if top <= 0 {
		top = 1
	}
	ystep := g.yFromZero(top, 1.04)

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" id="%s" class="chart percentile-chart" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-title">`,
		esc(c.ID), f1(g.W), f1(g.H), esc(c.ID))
	fmt.Fprintf(&b, `<title id="%s-title">%s</title>`, esc(c.ID), esc(c.Title))
	var xt []float64
	for x := 1.0; x <= g.xmax*(1+1e-9); x *= 10 {
		xt = append(xt, x)
	}
	axes(&b, g, ticks(g.ymin, g.ymax, ystep), tickFormat(ystep), xt, PercentileLabel, "percentile (1 in N: each step right is ten times rarer)", c.YLabel)
	for _, s := range c.Series {
		var path strings.Builder
		pen := false
		for i, q := range s.Q {
			if i >= len(s.Y) || math.IsNaN(s.Y[i]) || q < 0 || q >= 1 {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%s %s", cmd, f1(g.px(OneInN(q))), f1(g.py(s.Y[i])))
			pen = true
		}
		if path.Len() == 0 {
			continue
		}
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&b, `<path class="line" d="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"%s><title>%s</title></path>`,
			path.String(), s.Color, dash, esc(s.Name))
	}
	if points == 0 && c.Empty != "" {
		fmt.Fprintf(&b, `<text class="empty" x="%s" y="%s" text-anchor="middle">%s</text>`, f1((g.x0+g.x1)/2), f1((g.y0+g.y1)/2), esc(c.Empty))
	}
	legend(&b, g, seriesOf(c.Series), false)
	b.WriteString("</svg>")
	return b.String()
}

func seriesOf(ps []PercentileSeries) []Series {
	out := make([]Series, len(ps))
	for i, p := range ps {
		out[i] = Series{Name: p.Name, Color: p.Color, Dashed: p.Dashed}
	}
	return out
}
