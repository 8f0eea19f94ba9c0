package chart

import (
	"fmt"
	"math"
	"strings"
)

// Bar is grouped bars: one group per category, one bar per series.
type Bar struct {
	ID     string
	Title  string
	YLabel string
	Groups []string
	Series []Series // Y[i] is the value for Groups[i]
	W, H   float64
	Value  func(float64) string // the label over a bar
}

// SVG draws the bar chart as an <svg> element.
func (c *Bar) SVG() string {
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
	ystep := g.yFromZero(top, 1.1) // room for the value labels
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
			txt := Num(v)
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
