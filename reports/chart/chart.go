// Package chart draws the HTML report's charts as SVG by hand: line charts
// over time, grouped bar charts and charts against an offered rate, with
// axes, ticks, units, a grid and a legend. Charts are drawn server-side so
// they show without JavaScript; each line chart also carries its data in
// data-* attributes for the page's hover read-out. The package knows
// nothing of a run record: callers hand it numbers, names and colours.
package chart

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Series is one line, or one colour of bars.
type Series struct {
	Name   string
	Color  string
	Dashed bool
	Y      []float64 // NaN is a gap
	// Shape, when set, makes the series' legend entry a marker of that
	// shape (see marker) instead of a line or a box.
	Shape string
}

func esc(s string) string { return html.EscapeString(s) }

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// Num writes a number with up to three significant digits after the
// point, without exponent: 0.123, 12.3, 1234.
func Num(v float64) string {
	a := math.Abs(v)
	switch {
	case v == math.Trunc(v) && a < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// legend draws the series names along the top of the plot, wrapping to a
// second row when they do not fit.
func legend(b *strings.Builder, g chartGeom, ss []Series, boxes bool) {
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
