package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"loyalcheck/api"
	"loyalcheck/reports/chart"

	"loyalcheck/reports/record"
)

// Helpers shared by the renderers: how numbers, latencies, thresholds,
// evidence and groups of findings are written the same way everywhere.

// fmtLatency writes a latency for people: 950µs, 12.3ms, 1.20s; "-" for
// nothing measured.
func fmtLatency(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d >= time.Second:
		return trimZeros(fmt.Sprintf("%.2f", d.Seconds())) + "s"
	case d >= 100*time.Millisecond:
		return fmt.Sprintf("%.0fms", float64(d)/1e6)
	case d >= time.Millisecond:
		return trimZeros(fmt.Sprintf("%.1f", float64(d)/1e6)) + "ms"
	}
	return fmt.Sprintf("%.0fµs", float64(d)/1e3)
}

// trimZeros drops trailing zeros after a decimal point: 50.0 -> 50.
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// fmtMs writes a latency in milliseconds for tables whose header says the
// unit: two decimals below 10, one below 100, none above.
func fmtMs(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	v := float64(d) / 1e6
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// fmtNum writes a number as the charts do (see chart.Num), so that a
// table and the chart beside it agree.
func fmtNum(v float64) string { return chart.Num(v) }

// fmtPct writes a share (0..1) as a percentage.
func fmtPct(v float64) string {
	switch {
	case v == 1:
		return "100%"
	case v == 0:
		return "0%"
	case v > 0.999:
		return fmt.Sprintf("%.3f%%", v*100)
	}
	return fmt.Sprintf("%.2f%%", v*100)
}

// fmtDuration writes a run's length: 2.01s, 1m5s.
func fmtDuration(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// fmtTime writes a timestamp in UTC.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05 MST")
}

// limitText writes a threshold's limit in the unit it was given in.
func limitText(t record.Threshold) string {
	switch t.Unit {
	case "ns":
		return fmtLatency(time.Duration(t.Limit))
	case "%":
		return strconv.FormatFloat(t.Limit*100, 'f', -1, 64) + "%"
	case "/s":
		return strconv.FormatFloat(t.Limit, 'f', -1, 64) + "/s"
	}
	return strconv.FormatFloat(t.Limit, 'f', -1, 64)
}

// stepRows returns the per-step metrics followed by the whole-session row.
func stepRows(s *record.Load) []record.StepMetrics {
	rows := append([]record.StepMetrics{}, s.Steps...)
	if s.Session.Requests > 0 {
		rows = append(rows, s.Session)
	}
	return rows
}

// rowName is a step's name in tables, "session (whole)" for sessions.
func rowName(m record.StepMetrics) string {
	if m.Name == "session" {
		return "session (whole)"
	}
	return m.Name
}

// endpointOf is the endpoint a finding's evidence concerns, "" when it has
// no evidence.
func endpointOf(f record.Finding) string {
	if f.Evidence != nil && f.Evidence.Endpoint != "" {
		return f.Evidence.Endpoint
	}
	return ""
}

// ruleSummary is the catalogue's words for a rule.
func ruleSummary(id string) string {
	if r, ok := api.RuleByID(id); ok {
		return r.Summary
	}
	return ""
}

// evidenceLines writes one exchange as lines of text: the call and its
// status, the request and the response body, and any note.
func evidenceLines(e *record.Evidence, bodyMax int) []string {
	if e == nil {
		return nil
	}
	method := e.Method
	if method == "" {
		method = "POST"
	}
	first := fmt.Sprintf("%s %s -> HTTP %d", oneLine(method), oneLine(e.URL), e.Status)
	if e.KeySent != "" {
		first += " (apikey sent: " + e.KeySent + ")"
	}
	lines := []string{first}
	if len(e.Request) > 0 {
		lines = append(lines, "request:  "+clip(compact(e.Request), bodyMax))
	}
	if len(e.Body) > 0 {
		lines = append(lines, "response: "+clip(compact(e.Body), bodyMax))
	}
	if e.Note != "" {
		lines = append(lines, "note:     "+oneLine(e.Note))
	}
	return lines
}

// compact writes raw JSON on one line, or its text when it is a JSON
// string (evidence keeps non-JSON bodies as strings).
func compact(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return oneLine(s)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return oneLine(string(raw))
	}
	return printable(buf.String())
}

// pretty indents raw JSON for the HTML report.
func pretty(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return printable(s)
	}
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") != nil {
		return printable(string(raw))
	}
	return printable(buf.String())
}

// clip cuts s to n runes, marking the cut.
func clip(s string, n int) string {
	if n <= 0 {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + fmt.Sprintf("… (%d more characters)", len(r)-n)
}

// oneLine folds a message to a single line of printable text.
func oneLine(s string) string { return strings.Join(strings.Fields(printable(s)), " ") }

// printable replaces control characters (an ANSI escape in a server's
// answer must not drive the reader's terminal) and invalid UTF-8 by
// U+FFFD, keeping newlines and tabs.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) && r != '\n' && r != '\t' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) && r != '\n' && r != '\t' {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// targetText describes the target in one line.
func targetText(t record.Target) string {
	if t.Embedded {
		return t.URL + " (loyalcheck's embedded sandbox)"
	}
	return t.URL
}

// fixturesText is "5 points, 200 clients (150 cashback, 50 discount)".
func fixturesText(f record.FixturesSummary) string {
	s := fmt.Sprintf("%s, %s", plural(f.Points, "point"), plural(f.Clients, "client"))
	var parts []string
	for _, k := range sortedKeys(f.ClientsByType) {
		parts = append(parts, fmt.Sprintf("%d %s", f.ClientsByType[k], k))
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

// ledgerLine is the ledger's verdict in one sentence.
func ledgerLine(l record.Ledger) string {
	switch {
	case l.Skipped != "":
		return "not audited: " + l.Skipped
	case len(l.Findings) == 0:
		return fmt.Sprintf("%d clients audited, %d touched; %s points spent, %s earned; %d holds, %d released; no point lost or double-spent (L1-L3)",
			l.Clients, l.Touched, fmtNum(l.Spent), fmtNum(l.Earned), l.Holds, l.Released)
	}
	var fail, warn int
	for _, f := range l.Findings {
		if f.Status == "fail" {
			fail++
		} else {
			warn++
		}
	}
	s := fmt.Sprintf("%s over %d clients audited", plural(len(l.Findings), "finding"), l.Clients)
	if fail == 0 {
		s += " (all warnings: unanswered requests could explain them)"
	}
	return s
}

// thresholdsPassed counts thresholds met.
func thresholdsPassed(ts []record.ThresholdResult) int {
	n := 0
	for _, t := range ts {
		if t.Pass {
			n++
		}
	}
	return n
}

// pacerText is vegeta's pacer description in loyalcheck's words: vegeta
// paces "hits", which here are session starts.
func pacerText(p string) string { return strings.ReplaceAll(p, " hits/", " sessions/") }

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
