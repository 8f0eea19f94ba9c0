package reports

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/reports/record"
)

// Every chart of the golden record is well-formed SVG.
func TestChartsOfARecord(t *testing.T) {
	s := goldenRecord().Load
	tl := timelineOf(s)
	for _, svg := range []string{percentileChart(s), contentionChart(s.Contention), tl.latencyChart(), tl.sessionChart(), tl.throughputChart(), tl.errorChart()} {
		wellFormed(t, svg)
	}
	assert.Len(t, tl.x, 11)
	assert.True(t, math.IsNaN(tl.p99["search"][10]), "a second without requests is a gap, not a zero")
	assert.Equal(t, 22.0, tl.reqs["search"][0])
	assert.Equal(t, 2.0, tl.errs["search"][4])
}

// A long run is coarsened so charts stay light; rates stay per second.
func TestLongTimeline(t *testing.T) {
	s := goldenRecord().Load
	s.Timeline = s.Timeline[:0]
	for sec := range 1000 {
		s.Timeline = append(s.Timeline, bucketAt(sec))
	}
	tl := timelineOf(s)
	assert.LessOrEqual(t, len(tl.x), maxChartPoints)
	assert.Equal(t, 4.0, tl.width)
	assert.InDelta(t, 22.0, tl.reqs["search"][3], 1e-9, "requests stay per second")
	wellFormed(t, tl.throughputChart())
	assert.Contains(t, tl.throughputChart(), "4 s per point")
}

func bucketAt(sec int) record.Bucket {
	return record.Bucket{Second: sec, Requests: map[string]uint64{"search": 22, "retail": 18}, Errors: map[string]uint64{},
		P99Ms: map[string]float64{"search": 1, "retail": 2}, Sessions: 20, SessionP99: 200}
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
