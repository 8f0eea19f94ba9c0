package chart

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNiceStep(t *testing.T) {
	for _, c := range []struct {
		span float64
		n    int
		want float64
	}{
		{10, 5, 2}, {7.3, 5, 2}, {0.33, 5, 0.1}, {1, 5, 0.2}, {230, 5, 50}, {12, 5, 2.5}, {0, 5, 1}, {math.NaN(), 5, 1},
	} {
		assert.InDelta(t, c.want, niceStep(c.span, c.n), 1e-12, "niceStep(%v, %d)", c.span, c.n)
	}
}

func TestTicks(t *testing.T) {
	assert.Equal(t, []float64{0, 2.5, 5, 7.5, 10}, ticks(0, 10, 2.5))
	assert.Equal(t, []string{"0.25", "2.5", "5", "0.30"}, []string{tickText(0.25, 0.05), tickText(2.5, 2.5), tickText(5, 5), tickText(0.3, 0.05)})
	assert.Equal(t, "7.5", tickText(7.5, 2.5))
	short := secondsFormat(30)
	assert.Equal(t, []string{"0s", "15s", "90s"}, []string{short(0), short(15), short(90)})
	long := secondsFormat(600)
	assert.Equal(t, []string{"0s", "30s", "1m", "1m30s", "10m"}, []string{long(0), long(30), long(60), long(90), long(600)})
	assert.Equal(t, []float64{0, 5, 10, 15, 20, 25, 30}, timeTicks(0, 30, false))
	for _, v := range timeTicks(0, 600, false) {
		assert.Zero(t, math.Mod(v, 30), "minute axes tick on half minutes at least")
	}
}

// wellFormed parses an SVG fragment as XML.
func wellFormed(t *testing.T, svg string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		require.NoError(t, err, svg)
	}
}

func TestLineChart(t *testing.T) {
	nan := math.NaN()
	c := Line{ID: "c", Title: `a "title" <x>`, XLabel: "seconds", YLabel: "ms", X: []float64{0, 1, 2, 3, 4},
		Series: []Series{{Name: "search <&>", Color: "#000", Y: []float64{1, 2, nan, 4, 5}}, {Name: "empty", Color: "#111", Y: []float64{nan, nan, nan, nan, nan}}}, W: 600, H: 200}
	svg := c.SVG()
	wellFormed(t, svg)
	assert.Equal(t, 1, strings.Count(svg, `class="line"`), "a series with no value draws no line")
	path := svg[strings.Index(svg, `class="line" d="`)+16:]
	path = path[:strings.Index(path, `"`)]
	assert.Equal(t, 2, strings.Count(path, "M"), "a gap breaks the line: %s", path)
	assert.Contains(t, svg, "search &lt;&amp;&gt;")
	assert.Contains(t, svg, `data-chart="`)
	assert.Contains(t, svg, ">seconds</text>")
	assert.Contains(t, svg, ">0s</text>")
	assert.Contains(t, svg, ">4s</text>")

	z := Line{ID: "z", X: []float64{0, 1, 2}, Stacked: true, Empty: "no errors", W: 600, H: 200,
		Series: []Series{{Name: "search", Color: "#000", Y: []float64{0, 0, 0}}}}
	zs := z.SVG()
	wellFormed(t, zs)
	assert.Contains(t, zs, `class="empty"`)
	assert.NotContains(t, zs, `class="bar"`)

	s := Line{ID: "s", X: []float64{0, 1}, Stacked: true, W: 600, H: 200,
		Series: []Series{{Name: "a", Color: "#000", Y: []float64{1, 2}}, {Name: "b", Color: "#111", Y: []float64{3, 0}}}}
	ss := s.SVG()
	wellFormed(t, ss)
	assert.Equal(t, 3, strings.Count(ss, `class="bar"`), "zero values draw no bar")
	assert.Contains(t, ss, ">4</text>", "the axis reaches the stacked total")
}

func TestBarChart(t *testing.T) {
	c := Bar{ID: "b", Title: "t", YLabel: "ms", Groups: []string{"search", "retail"}, W: 960, H: 300, Value: Num,
		Series: []Series{{Name: "p50", Color: "#000", Y: []float64{0.5, math.NaN()}}, {Name: "p99", Color: "#111", Y: []float64{1.25, 3}}}}
	svg := c.SVG()
	wellFormed(t, svg)
	assert.Equal(t, 3, strings.Count(svg, `class="bar"`))
	assert.Contains(t, svg, `class="value"`)
	assert.Contains(t, svg, ">1.25</text>")
	assert.Contains(t, svg, ">retail</text>")
}

func TestLogTicks(t *testing.T) {
	assert.Equal(t, []float64{10, 20, 50, 100, 200, 500, 1000}, logTicks(8, 1200, 12))
	assert.Equal(t, []float64{1, 3, 10, 30, 100, 300, 1000}, logTicks(0.9, 1100, 8))
	assert.Equal(t, []float64{0.01, 0.1, 1, 10, 100, 1000, 10000}, logTicks(0.01, 10000, 10))
	assert.Equal(t, 0.5, niceLogFloor(0.7))
	assert.Equal(t, 2000.0, niceLogCeil(1200))
	assert.Equal(t, []string{"0.3", "20", "5000"}, []string{axisNum(0.30000000000000004), axisNum(20), axisNum(5000)})
}

// The percentile chart puts 0%, 90%, 99%, 99.9% a decade apart on its x
// axis, up to the rarest quantile drawn, and draws one line per series.
func TestPercentileChart(t *testing.T) {
	q := []float64{0, 0.5, 0.9, 0.99, 0.995}
	c := Percentile{ID: "p", Title: "recalc <BASE & NEW>", YLabel: "ms", W: 600, H: 240, Series: []PercentileSeries{
		{Name: "BASE", Color: "#000", Q: q, Y: []float64{1, 2, 3, 8, 9}},
		{Name: "NEW", Color: "#111", Dashed: true, Q: q, Y: []float64{1, 2.5, 4, 20, math.NaN()}},
	}}
	svg := c.SVG()
	wellFormed(t, svg)
	assert.Equal(t, 2, strings.Count(svg, `class="line"`))
	for _, tick := range []string{">0%<", ">90%<", ">99%<", ">99.9%<"} {
		assert.Contains(t, svg, tick)
	}
	assert.NotContains(t, svg, ">99.99%<", "the axis ends at the decade of the rarest quantile")
	assert.Contains(t, svg, "recalc &lt;BASE &amp; NEW&gt;")
	assert.Equal(t, "99.9%", PercentileLabel(OneInN(0.999)))

	empty := Percentile{ID: "e", W: 600, H: 240, Empty: "no samples"}
	svg = empty.SVG()
	wellFormed(t, svg)
	assert.Contains(t, svg, "no samples")
}
