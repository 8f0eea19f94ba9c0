package chart

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

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

// yFromZero sets a linear y range from 0 to a round multiple of its tick
// step, a step higher when the top would come within headroom (1.04 =
// 4%) of top, and returns the step.
func (g *chartGeom) yFromZero(top, headroom float64) float64 {
	step := niceStep(top, 5)
	g.ymin, g.ymax = 0, math.Ceil(top/step-1e-9)*step
	if g.ymax < top*headroom {
		g.ymax += step
	}
	return step
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
