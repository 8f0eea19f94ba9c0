package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"loyalcheck/compare"
)

// comparedRun measures n samples per series: step "retail" takes ms
// milliseconds plus a spread of up to 2 ms, "hold" only 5 samples (too
// few to judge its p90).
func comparedRun(t *testing.T, label string, ms float64, rules map[string]bool) ComparedRun {
	t.Helper()
	r := &compare.Run{Scenario: "checkout", Target: "http://127.0.0.1:1", Rate: 40, Duration: 10 * time.Second, Rules: rules}
	for _, st := range []struct {
		name string
		n    int
	}{{"retail", 2000}, {"hold", 5}, {"session", 2000}} {
		h, top := spreadHist(t, st.n, ms)
		r.Series = append(r.Series, compare.Series{Name: st.name, Hist: h, Max: top, Requests: uint64(st.n)})
	}
	return ComparedRun{Label: label, Run: r, Elapsed: 10 * time.Second, Tool: "v1.2.3"}
}

// spreadHist is a histogram of n samples of ms milliseconds plus a spread
// of up to 2 ms, and the largest sample (0 when n is 0).
func spreadHist(t *testing.T, n int, ms float64) (*hdrhistogram.Histogram, time.Duration) {
	t.Helper()
	h := hdrhistogram.New(int64(time.Microsecond), int64(10*time.Minute), 3)
	var top time.Duration
	for i := range n {
		d := time.Duration((ms + 2*float64(i%100)/100) * 1e6)
		require.NoError(t, h.RecordValue(int64(d)))
		top = max(top, d)
	}
	return h, top
}

// testComparison is NEW 30 ms slower than BASE on every series, with
// contract rule C4 newly failing and a label a report must escape.
func testComparison(t *testing.T) *Comparison {
	t.Helper()
	base := comparedRun(t, "runs/base", 3, map[string]bool{"C4": true, "G2": false})
	newer := comparedRun(t, `runs/<script>alert(1)</script>|*new*`, 33, map[string]bool{"C4": false, "G2": true})
	res, err := compare.Compare(base.Run, newer.Run)
	require.NoError(t, err)
	return &Comparison{Base: base, New: newer, Result: res, Made: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func renderCmp(t *testing.T, c *Comparison, f Format) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, RenderComparison(&buf, c, f))
	return buf.String()
}

func TestComparisonText(t *testing.T) {
	out := renderCmp(t, testComparison(t), FormatText)
	assert.True(t, strings.HasPrefix(out, "loyalcheck compare: REGRESSION\n"), out)
	assert.Contains(t, out, "p50(retail) regression: p50 +30ms")
	assert.Contains(t, out, "p90(hold) not judged: too few samples")
	assert.Contains(t, out, "contract rule C4 passed in BASE and fails in NEW")
	assert.Contains(t, out, "regressed (passed in BASE, fail in NEW): C4")
	assert.Contains(t, out, "fixed (failed in BASE, pass in NEW): G2")
	assert.Contains(t, out, "Method (confidence 99.00%)")
	assert.Regexp(t, `(?m)^\s+p50\s+4ms\s+34ms\s+\+30ms\s+\+[0-9.]+%\s+regression`, out)
}

func TestComparisonMarkdown(t *testing.T) {
	out := renderCmp(t, testComparison(t), FormatMarkdown)
	assert.True(t, strings.HasPrefix(out, "## ❌ loyalcheck compare: REGRESSION"), out)
	assert.Contains(t, out, "| p50 | ")
	assert.Contains(t, out, "**regression**")
	assert.NotContains(t, out, "<script>", "a label cannot inject markup")
}

func TestComparisonJSON(t *testing.T) {
	var doc struct {
		Base, New struct{ Label string }
		Result    compare.Result
		Series    []struct {
			Name    string
			Figures []struct {
				Stat      string
				Base, New *float64
				Verdict   string
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(renderCmp(t, testComparison(t), FormatJSON)), &doc))
	assert.Equal(t, "runs/base", doc.Base.Label)
	assert.True(t, doc.Result.Regression)
	require.Len(t, doc.Series, 3)
	assert.Equal(t, "retail", doc.Series[0].Name)
	stats := map[string]string{}
	for _, f := range doc.Series[0].Figures {
		stats[f.Stat] = f.Verdict
	}
	assert.Equal(t, map[string]string{"count": "", "p50": "regression", "p90": "regression", "p99": "regression", "p99.9": "", "max": "", "errors": "ok", "throughput": ""}, stats)
}

// One case per compared metric: a regression fails, a metric not judged
// is skipped; the rule that regressed fails; the file is valid against
// the JUnit schema the run reports are checked against.
func TestComparisonJUnit(t *testing.T) {
	c := testComparison(t)
	out := renderCmp(t, c, FormatJUnit)
	var s jSuites
	require.NoError(t, xml.Unmarshal([]byte(out), &s))
	require.Len(t, s.Suites, 1)
	su := s.Suites[0]
	assert.Equal(t, len(c.Result.Metrics)+1, su.Tests)
	byName := map[string]string{}
	for _, tc := range su.Cases {
		switch {
		case tc.Failure != nil:
			byName[tc.Name] = "failure"
		case tc.Skipped != nil:
			byName[tc.Name] = "skipped"
		default:
			byName[tc.Name] = "pass"
		}
	}
	assert.Equal(t, "failure", byName["p50(retail)"])
	assert.Equal(t, "skipped", byName["p90(hold)"])
	assert.Equal(t, "pass", byName["errors(retail)"])
	assert.Equal(t, "failure", byName["rule C4"])
	assert.Equal(t, su.Failures, strings.Count(out, "<failure "))

	xmllint := requireTool(t, "xmllint")
	xsd, err := filepath.Abs(filepath.Join("testdata", "junit.xsd"))
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "compare-junit.xml")
	require.NoError(t, os.WriteFile(p, []byte(out), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := exec.CommandContext(ctx, xmllint, "--noout", "--schema", xsd, p).CombinedOutput()
	require.NoError(t, err, "xmllint:\n%s", res)
}

// The page parses, draws one percentile-distribution plot per series with
// BASE and NEW, every SVG is well-formed XML, nothing loads from outside
// and a label is text, not markup.
func TestComparisonHTML(t *testing.T) {
	page := renderCmp(t, testComparison(t), FormatHTML)
	doc, err := html.Parse(strings.NewReader(page))
	require.NoError(t, err)
	charts := findAll(doc, classed("svg", "percentile-chart"))
	require.Len(t, charts, 3)
	for _, ch := range charts {
		var b strings.Builder
		require.NoError(t, html.Render(&b, ch))
		dec := xml.NewDecoder(strings.NewReader(b.String()))
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
		}
		assert.Len(t, findAll(ch, classed("path", "line")), 2, "BASE and NEW")
		assert.Contains(t, text(ch), "90%")
	}
	assert.Contains(t, text(charts[0]), "99.9%", "2000 samples reach 1 in 1000")
	for _, n := range findAll(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			assert.NotContains(t, []string{"src", "href", "srcset", "action"}, a.Key, "<%s> loads something", n.Data)
		}
	}
	assert.Empty(t, findAll(doc, tag("script")), "no markup from a label")
	assert.Contains(t, page, "&lt;script&gt;alert(1)")
	assert.NotNil(t, byID(doc, "contract"))
	assert.Contains(t, text(byID(doc, "verdict")), "REGRESSION")
}

// Every row of the table writes its file.
func TestWriteComparison(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cmp")
	var all []Format
	for _, f := range ComparisonFormats() {
		all = append(all, f.Name)
	}
	paths, err := WriteComparison(dir, testComparison(t), all)
	require.NoError(t, err)
	for _, f := range ComparisonFormats() {
		assert.FileExists(t, filepath.Join(dir, f.File))
		assert.Equal(t, filepath.Join(dir, f.File), paths[f.Name])
	}
	assert.Error(t, RenderComparison(io.Discard, &Comparison{}, FormatText))
	assert.Error(t, RenderComparison(io.Discard, testComparison(t), Format("pdf")))
}
