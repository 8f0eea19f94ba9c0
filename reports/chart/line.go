package chart

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Line is values over time, one line per series.
type Line struct {
	ID      string
	Title   string // accessible name, in <title>
	XLabel  string
	YLabel  string
	YUnit   string // appended to values in the hover read-out
	X       []float64
	Series  []Series
	W, H    float64
	Empty   string // shown in the plot when every value is 0 or missing
	Stacked bool   // draw stacked bars per x instead of lines
}

// SVG draws the line chart as an <svg> element.
func (c *Line) SVG() string {
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
	ystep := g.yFromZero(top, 1.04)

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
					f1(g.px(x)-bw/2), f1(yTop), f1(bw), f1(math.Max(yBot-yTop, 0.5)), s.Color, esc(s.Name), xfmt(x), Num(s.Y[i]), esc(c.YUnit))
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
func (c *Line) open(b *strings.Builder, g chartGeom) {
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
