package reports

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"loyalcheck/api"
	"loyalcheck/contract"
	"loyalcheck/load"
)

// A run that breaks everything still fits a GitHub comment (65536
// characters), saying how much it left out.
func TestMarkdownFitsAComment(t *testing.T) {
	c, s, ts := goldenRun()
	big := strings.Repeat(`{"k":"`+strings.Repeat("x", 100)+`"},`, 60)
	for i := range 2000 {
		st := contract.Fail
		if i%3 == 0 {
			st = contract.Warn
		}
		c.Findings = append(c.Findings, contract.Finding{Rule: "C4", Check: fmt.Sprintf("c4-earn-%d", i), Area: api.AreaRecalc, Kind: api.KindDoc, Status: st,
			Message: strings.Repeat("long message ", 20),
			Evidence: &contract.Evidence{Endpoint: "recalc", URL: "https://x.test/integration/general/recalc", Request: json.RawMessage(`{}`), Status: 200,
				Body: json.RawMessage(mustJSON(big))}})
	}
	for i := range 500 {
		s.Ledger.Findings = append(s.Ledger.Findings, load.LedgerFinding{Rule: "L1", Status: "fail", Client: fmt.Sprint(i), Message: strings.Repeat("m", 200)})
	}
	r := goldenRecordOf(c, s, ts)
	md := render(t, r, FormatMarkdown)
	assert.Less(t, len(md), 60000, "the comment must stay under GitHub's limit")
	assert.Contains(t, md, "more failed checks (see report.html)")
	assert.Contains(t, md, "evidence of the other failures is in report.html")
}

func TestMarkdownEscapes(t *testing.T) {
	md := render(t, hostileRecord(), FormatMarkdown)
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "response: ") && !strings.HasPrefix(line, "note: ") {
			assert.NotContains(t, line, "<script>", "only fenced code may hold markup, as text")
		}
	}
	assert.Contains(t, md, "&lt;script&gt;")
	found := false
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ❌ | **C4** doc | c4 &lt;x&gt; |") {
			found = true
			// The row keeps its five columns: the | in the data is escaped.
			unescaped := strings.Count(line, "|") - strings.Count(line, `\|`)
			assert.Equal(t, 6, unescaped, line)
		}
	}
	assert.True(t, found, "the hostile finding is listed")
	assert.Equal(t, `a \| b &lt;i&gt; \*c\* \_d\_ \`+"`e\\`", mdEscape("a | b <i> *c* _d_ `e`"))

	var b strings.Builder
	mdFence(&b, "x ``` y")
	assert.True(t, strings.HasPrefix(b.String(), "````\n"), "the fence outgrows the backticks inside")
}

func TestMarkdownVariants(t *testing.T) {
	c := render(t, contractOnly(t), FormatMarkdown)
	assert.Contains(t, c, "## ✅ loyalcheck contract: PASS")
	assert.Contains(t, c, "No rule failed")
	assert.NotContains(t, c, "Latency per step")

	l := render(t, loadOnly(t), FormatMarkdown)
	assert.Contains(t, l, "### Latency per step (ms)")
	assert.Contains(t, l, "| session (whole) |")
	assert.Contains(t, l, "**Ledger:** ✅ 200 clients audited")
	assert.NotContains(t, l, "### Contract")
}

// No report passes a control character through: an escape sequence in a
// server's answer must not reach a terminal or a CI log raw.
func TestNoControlCharacters(t *testing.T) {
	r := hostileRecord()
	for _, f := range []Format{FormatText, FormatMarkdown, FormatHTML, FormatJUnit} {
		out := render(t, r, f)
		assert.NotContains(t, out, "\x00", f)
		assert.NotContains(t, out, "\x1b[31m", f)
		assert.True(t, utf8.ValidString(out), "%s is valid UTF-8", f)
	}
	colored := render(t, r, FormatText, WithColor(true))
	assert.NotContains(t, colored, "\x1b[31mc <script>", "only our own colour codes")
}
