package reports

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/compare"
	"loyalcheck/reports/record"
)

// withHistograms gives every series of the golden record's load a
// histogram of its counted samples around ms milliseconds (retail shifted
// by slower more), as a run of this version records them.
func withHistograms(t *testing.T, r *record.Record, ms, slower float64) {
	t.Helper()
	fill := func(m *record.StepMetrics) {
		at := ms
		if m.Name == "retail" {
			at += slower
		}
		h, top := spreadHist(t, int(m.Requests), at)
		m.Latency.Max = top
		b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		require.NoError(t, err)
		m.Histogram = string(b)
	}
	for i := range r.Load.Steps {
		fill(&r.Load.Steps[i])
	}
	fill(&r.Load.Session)
}

// recordWithComparison is the golden accept record compared against a
// baseline of the same run that was slower retail by slower ms.
func recordWithComparison(t *testing.T, slower float64) *record.Record {
	t.Helper()
	base, rec := goldenRecord(), goldenRecord()
	withHistograms(t, base, 3, 0)
	withHistograms(t, rec, 3, slower)
	b, err := ComparedRecord("runs/base", base)
	require.NoError(t, err)
	n, err := ComparedRecord("this run", rec)
	require.NoError(t, err)
	res, err := compare.Compare(b.Run, n.Run)
	require.NoError(t, err)
	rec.Comparison = ComparisonRecord(&Comparison{Base: b, New: n, Result: res}, base)
	Judge(rec)
	return rec
}

// TestRecordComparison: a run record carrying a comparison shows it in
// every report, validates against the schema and decodes back; a
// regression fails the verdict naming the metric.
func TestRecordComparison(t *testing.T) {
	same := recordWithComparison(t, 0)
	require.NotNil(t, same.Comparison)
	assert.False(t, same.Comparison.Regression)
	assert.NotContains(t, strings.Join(same.Verdict.Reasons, "\n"), "baseline")

	slow := recordWithComparison(t, 30)
	require.True(t, slow.Comparison.Regression)
	assert.False(t, slow.Verdict.Pass)
	var regressed []string
	for _, m := range slow.Comparison.Metrics {
		if m.Verdict == record.MetricRegression {
			assert.Equal(t, "retail", m.Step, m.Name)
			regressed = append(regressed, m.Name)
		}
	}
	require.NotEmpty(t, regressed)
	assert.Contains(t, slow.Verdict.Reasons, "regression against the baseline runs/base: "+strings.Join(regressed, ", "))

	b, err := slow.Encode()
	require.NoError(t, err)
	validateRecord(t, b)
	again, err := record.Decode(b)
	require.NoError(t, err)
	assert.Equal(t, slow.Comparison.Metrics, again.Comparison.Metrics)
	assert.Equal(t, slow.Comparison.Base.Steps[0].Histogram, again.Comparison.Base.Steps[0].Histogram)

	txt := render(t, slow, FormatText)
	assert.Contains(t, txt, "Compared with the baseline\nloyalcheck compare: REGRESSION\n")
	assert.Contains(t, txt, "BASE runs/base: scenario checkout")
	assert.Regexp(t, `p50\(retail\) regression: p50 \+`, txt)
	md := render(t, slow, FormatMarkdown)
	assert.Contains(t, md, "## Compared with the baseline")
	assert.Contains(t, md, "p50(retail)")

	page := render(t, slow, FormatHTML)
	assert.Contains(t, page, `<section id="comparison">`)
	assert.Contains(t, page, `id="cmp-series-retail"`)
	assert.Contains(t, page, "latency of retail by percentile, BASE and NEW")
	assert.Equal(t, 1, strings.Count(page, `id="contract"`), "the comparison's ids do not collide with the report's")

	var doc junitSuites
	require.NoError(t, xml.Unmarshal([]byte(render(t, slow, FormatJUnit)), &doc))
	var cases, failed int
	for _, s := range doc.Suites {
		if s.Name != "loyalcheck.compare" {
			continue
		}
		for _, c := range s.Cases {
			cases++
			if c.Failure != nil {
				failed++
				assert.Contains(t, c.Name, "(retail)")
			}
		}
	}
	assert.Equal(t, len(slow.Comparison.Metrics), cases, "one case per compared metric")
	assert.Equal(t, len(regressed), failed)
}

// A record whose comparison cannot be rebuilt says so in every report:
// its JUnit fails rather than passing what could not be shown.
func TestRecordComparisonBroken(t *testing.T) {
	rec := recordWithComparison(t, 0)
	rec.Comparison.Base.Steps[0].Histogram = "not a histogram"
	assert.Contains(t, render(t, rec, FormatText), "The comparison cannot be shown: comparison: baseline:")
	assert.Contains(t, render(t, rec, FormatHTML), "The comparison cannot be shown")
	assert.Contains(t, render(t, rec, FormatJUnit), `type="error"`)
}
