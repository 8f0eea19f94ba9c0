package reports

import (
	"encoding/xml"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"loyalcheck/api"
	"loyalcheck/contract"
	"loyalcheck/reports/record"
)

// incompleteRecord is a contract run where nothing failed but S3 (doc)
// could not be exercised: its verdict is INCOMPLETE.
func incompleteRecord(accept ...string) *record.Record {
	c, _, _ := goldenRun()
	var kept []contract.Finding
	for _, f := range c.Findings {
		if f.Status != contract.Fail {
			kept = append(kept, f)
		}
	}
	c.Findings = kept
	c.Only = []string{"G2", "G4", "S1", "S3", "S6", "C5", "H6", "H7", "L1", "B1"}
	c.AcceptUnverified = append([]string{"C5"}, accept...)
	r := goldenRecordOf(c, nil, nil)
	r.Kind, r.Scenario = record.KindContract, nil
	Judge(r)
	return r
}

// Every format says INCOMPLETE, names the unverified doc rule and why.
func TestIncompleteInEveryFormat(t *testing.T) {
	r := incompleteRecord()
	require.False(t, r.Verdict.Pass)
	require.True(t, r.Verdict.Incomplete)
	assert.Equal(t, "INCOMPLETE", r.Verdict.Word())
	why := "S3 (doc) unverified: s3-discount-balance: fixtures have no discount client"
	assert.Contains(t, r.Verdict.Reasons, "contract: "+why)
	for _, f := range []Format{FormatText, FormatMarkdown, FormatHTML} {
		out := render(t, r, f)
		assert.Contains(t, out, "INCOMPLETE", f)
		assert.Contains(t, out, "fixtures have no discount client", f)
		assert.Contains(t, out, "S3 (doc)", f)
		assert.Contains(t, out, "C5", f, "the acceptance is recorded")
	}
	var s jSuites
	require.NoError(t, xml.Unmarshal([]byte(render(t, r, FormatJUnit)), &s))
	var failed []string
	for _, tc := range s.Suites[0].Cases {
		if tc.Failure != nil {
			failed = append(failed, tc.Name+": "+tc.Failure.Message)
		}
	}
	assert.Equal(t, []string{"S3 coverage: unverified: s3-discount-balance: fixtures have no discount client"}, failed,
		"CI sees the gate fail on the unverified doc rule")

	// Accepted by name, the same run passes.
	ok := incompleteRecord("S3")
	assert.True(t, ok.Verdict.Pass, ok.Verdict.Reasons)
	assert.Equal(t, "PASS", ok.Verdict.Word())
}

// One failing check with three failing cases counts as one failed check,
// in every format, its cases shown as its evidence.
func TestSummaryCountsChecks(t *testing.T) {
	r := goldenRecord()
	s := r.Contract.Summary
	assert.Equal(t, 2, s.Fail, "C4 (three cases) and RT1")
	txt := render(t, r, FormatText)
	assert.Contains(t, txt, "12 checks: 6 pass, 2 fail, 1 warn, 2 unverified, 1 not in scope")
	assert.Contains(t, txt, "FAIL C4   c4-earn  3 cases")
	assert.Equal(t, 1, strings.Count(txt, "FAIL C4"))
	md := render(t, r, FormatMarkdown)
	assert.Contains(t, md, "12 checks: 6 pass, 2 fail")
	assert.Contains(t, md, "3 cases failed, e.g. recalc of 1234")
	page := render(t, r, FormatHTML)
	assert.Contains(t, page, `<span class="count fail">2 fail</span>`)
	doc, err := html.Parse(strings.NewReader(page))
	require.NoError(t, err)
	rows := bodyRows(byID(doc, "findings-table"))
	assert.Len(t, rows, checkCount(r.Contract), "one row per check")
	var c4 []*html.Node
	for _, row := range rows {
		if strings.Contains(text(row), "c4-earn") {
			c4 = append(c4, row)
		}
	}
	require.Len(t, c4, 1)
	assert.Contains(t, text(c4[0]), "3 of 3 cases failed")
	assert.Len(t, findAll(c4[0], tag("li")), 3, "each case listed with its evidence")
	assert.Len(t, findAll(c4[0], classed("details", "evidence")), 3)
	var js jSuites
	require.NoError(t, xml.Unmarshal([]byte(render(t, r, FormatJUnit)), &js))
	c := js.Suites[0]
	assert.Equal(t, 2+1, c.Failures, "C4, RT1 and the S3 coverage case")
	for _, tc := range c.Cases {
		if tc.Name == "C4 c4-earn" {
			require.NotNil(t, tc.Failure)
			assert.Equal(t, 3, strings.Count(tc.Failure.Text, "case "), tc.Failure.Text)
			assert.Contains(t, tc.Failure.Text, "amount\":57")
		}
	}
}

// General and ledger rules show under "whole run" in the matrix, not under
// the endpoint a check happened to call; the legend promises no numbers;
// vegeta's "hits" read "sessions".
func TestHTMLMatrixWholeRunRows(t *testing.T) {
	c, s, ts := goldenRun()
	c.Findings = append(c.Findings, contract.Finding{Rule: "G3", Check: "g3-bad-key", Area: api.AreaGeneral, Kind: api.KindInterp, Status: contract.Pass,
		Message: "a wrong key is refused", Evidence: &contract.Evidence{Endpoint: "retail", URL: "https://x.test/r", Status: 422}})
	r := goldenRecordOf(c, s, ts)
	page := render(t, r, FormatHTML)
	doc, err := html.Parse(strings.NewReader(page))
	require.NoError(t, err)
	matrix := byID(doc, "contract-matrix")
	require.NotNil(t, matrix)
	rows := map[string][]*html.Node{}
	for _, row := range findAll(matrix, classed("tr", "rule-row")) {
		if a := find(row, tag("a")); a != nil {
			rows[text(a)] = findAll(row, classed("td", "cell"))
		}
	}
	for _, id := range []string{"G2", "G3", "L1"} {
		cells := rows[id]
		require.Len(t, cells, len(api.Endpoints())+1, id)
		for i, c := range cells[:len(cells)-1] {
			assert.True(t, hasClass(c, "none"), "%s under endpoint %d", id, i)
		}
		assert.True(t, hasClass(cells[len(cells)-1], "pass"), "%s under whole run", id)
	}
	assert.True(t, hasClass(rows["C4"][1], "fail"), "endpoint rules stay under their endpoint")
	assert.NotContains(t, page, "A number counts")
	assert.NotContains(t, page, "✗ 3", "a cell holds no count")
	assert.NotContains(t, page, "hits/")
	assert.Contains(t, page, "Constant{20 sessions/1s}")
	assert.NotNil(t, byID(doc, "coverage-table"))
}

// The last, partial second of a run is not drawn as a drop in throughput.
func TestThroughputLeavesOutPartialSecond(t *testing.T) {
	s := goldenRecord().Load // 11 one-second buckets, 10.5 s elapsed
	tl := timelineOf(s)
	require.True(t, tl.partial)
	for _, se := range tl.throughputSeries() {
		n := len(se.Y)
		assert.True(t, math.IsNaN(se.Y[n-1]), "%s: the partial second is left out", se.Name)
		assert.False(t, math.IsNaN(se.Y[n-2]), se.Name)
	}
	s.Elapsed = 11 * time.Second
	tl = timelineOf(s)
	assert.False(t, tl.partial, "a whole last second is drawn")
	for _, se := range tl.throughputSeries() {
		assert.False(t, math.IsNaN(se.Y[len(se.Y)-1]), se.Name)
	}
}
