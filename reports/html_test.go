package reports

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"loyalcheck/api"
	"loyalcheck/reports/record"
)

// The HTML report is tested in a real browser: headless Chromium loads the
// file from disk with the network cut off (a dead proxy and a resolver
// that resolves nothing), runs its script and dumps the rendered DOM. The
// test then checks that the charts and tables are in it, that the page's
// script ran to the end (<html data-ready="1">) and recorded no error
// (<html data-errors>, filled by a handler installed before anything
// else), and that Chromium logged no console message: the page logs
// nothing itself, so any console line is an error or a blocked request.

// browser runs headless Chromium on a file and returns the rendered DOM
// and Chromium's log.
func browser(t *testing.T, page string) (dom, log string) {
	t.Helper()
	bin := requireChromium(t)
	abs, err := filepath.Abs(page)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, chromiumArgs(t.TempDir(),
		"--enable-logging=stderr", "--v=0", "--dump-dom", "file://"+abs)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "chromium: %s", stderr.String())
	return stdout.String(), stderr.String()
}

func requireChromium(t *testing.T) string {
	t.Helper()
	return requireTool(t, "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
}

// chromiumArgs are the flags of an offline headless Chromium with a
// throw-away profile (the same as the Makefile's report-screenshot).
func chromiumArgs(profile string, extra ...string) []string {
	return append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--user-data-dir=" + profile,
		"--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
	}, extra...)
}

var consoleLine = regexp.MustCompile(`(?m)^.*:CONSOLE[:(].*$`)

// browserProblems lists what went wrong on the page: script errors it
// recorded, console lines Chromium logged, and a script that did not
// finish.
func browserProblems(doc *html.Node, log string) []string {
	var out []string
	root := find(doc, func(n *html.Node) bool { return n.Data == "html" })
	if root == nil {
		return []string{"no <html> element"}
	}
	if e := attr(root, "data-errors"); e != "" {
		out = append(out, "script errors: "+e)
	}
	if attr(root, "data-ready") != "1" {
		out = append(out, "the page's script did not finish (no data-ready)")
	}
	for _, l := range consoleLine.FindAllString(log, -1) {
		out = append(out, "console: "+strings.TrimSpace(l))
	}
	return out
}

// interact is appended to the page under test: after the page's own
// script has run it hovers the middle of every line chart, counts the
// read-outs that appear, then clicks the findings filter's "All". Errors
// in the page's handlers land in data-errors like any other.
const interact = `<script>
(function () {
  var root = document.documentElement, ok = 0;
  var tip = document.getElementById("tooltip");
  document.querySelectorAll("svg.line-chart").forEach(function (svg) {
    var r = svg.getBoundingClientRect();
    svg.dispatchEvent(new MouseEvent("mousemove", {clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true}));
    if (!tip.hidden && tip.textContent.indexOf("at ") === 0) ok++;
    svg.dispatchEvent(new MouseEvent("mouseleave"));
  });
  root.setAttribute("data-hovered", String(ok));
  var all = document.querySelector("[data-filter=all]");
  if (all) {
    var hidden = [];
    document.querySelectorAll("#findings-table tr.finding.hidden").forEach(function (tr) { hidden.push(tr.id); });
    root.setAttribute("data-hidden-first", hidden.join(" "));
    root.setAttribute("data-filter-first", document.getElementById("finding-filters").getAttribute("data-active"));
    all.click();
    root.setAttribute("data-shown", String(document.querySelectorAll("#findings-table tr.finding:not(.hidden)").length));
  }
})();
</script>
</body>`

// renderInBrowser writes r's HTML report and loads it in the browser.
func renderInBrowser(t *testing.T, r *record.Record) *html.Node {
	t.Helper()
	page := filepath.Join(t.TempDir(), "report.html")
	src := render(t, r, FormatHTML)
	require.Equal(t, 1, strings.Count(src, "</body>"))
	require.NoError(t, os.WriteFile(page, []byte(strings.Replace(src, "</body>", interact, 1)), 0o644))
	dom, log := browser(t, page)
	doc, err := html.Parse(strings.NewReader(dom))
	require.NoError(t, err)
	assert.Empty(t, browserProblems(doc, log))
	return doc
}

func find(n *html.Node, ok func(*html.Node) bool) *html.Node {
	if n.Type == html.ElementNode && ok(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, ok); f != nil {
			return f
		}
	}
	return nil
}

func findAll(n *html.Node, ok func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && ok(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func byID(doc *html.Node, id string) *html.Node {
	return find(doc, func(n *html.Node) bool { return attr(n, "id") == id })
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

func tag(name string) func(*html.Node) bool { return func(n *html.Node) bool { return n.Data == name } }

func classed(name, class string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == name && hasClass(n, class) }
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// bodyRows counts a table's rows in <tbody>.
func bodyRows(tbl *html.Node) []*html.Node {
	var out []*html.Node
	for _, tb := range findAll(tbl, tag("tbody")) {
		for c := tb.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "tr" {
				out = append(out, c)
			}
		}
	}
	return out
}

// requireChart checks that an SVG chart is drawn: axes with ticks, a
// legend, and some marks (lines or bars).
func requireChart(t *testing.T, doc *html.Node, id string) *html.Node {
	t.Helper()
	svg := byID(doc, id)
	require.NotNil(t, svg, "chart %s is missing", id)
	assert.Equal(t, "svg", svg.Data, id)
	assert.NotEmpty(t, text(find(svg, tag("title"))), "%s has an accessible title", id)
	assert.GreaterOrEqual(t, len(findAll(svg, classed("text", "tick"))), 3, "%s has tick labels", id)
	legend := find(svg, classed("g", "legend"))
	require.NotNil(t, legend, "%s has a legend", id)
	assert.NotEmpty(t, findAll(legend, tag("text")), "%s legend names its series", id)
	marks := len(findAll(svg, classed("path", "line"))) + len(findAll(svg, classed("rect", "bar"))) + len(findAll(svg, classed("text", "empty")))
	assert.Positive(t, marks, "%s draws something", id)
	return svg
}

func TestHTMLInBrowser(t *testing.T) {
	requireChromium(t)
	r := faultyRun(t)
	doc := renderInBrowser(t, r)
	root := find(doc, tag("html"))
	assert.Equal(t, "4", attr(root, "data-charts"), "the script wired the four line charts")
	assert.Equal(t, "4", attr(root, "data-hovered"), "hovering each line chart shows its read-out")
	assert.Equal(t, strconv.Itoa(checkCount(r.Contract)), attr(root, "data-shown"), "the filter's All shows every check")

	// record.Verdict banner.
	banner := byID(doc, "verdict")
	require.NotNil(t, banner)
	assert.True(t, hasClass(banner, "fail"))
	assert.Equal(t, "FAIL", text(find(banner, classed("span", "verdict-word"))))
	assert.Len(t, findAll(banner, tag("li")), len(r.Verdict.Reasons))

	// Plots.
	for _, id := range []string{"chart-percentiles", "chart-latency", "chart-session", "chart-throughput", "chart-errors", "chart-contention"} {
		requireChart(t, doc, id)
	}
	lat := requireChart(t, doc, "chart-latency")
	assert.Len(t, findAll(lat, classed("path", "line")), len(r.Load.Steps), "one line per step")
	axisText := text(lat)
	assert.Contains(t, axisText, "p99 latency (ms)")
	assert.Contains(t, axisText, "seconds since the start")

	// Tables.
	thr := byID(doc, "thresholds-table")
	require.NotNil(t, thr)
	assert.Len(t, bodyRows(thr), len(r.Thresholds))
	matrix := byID(doc, "contract-matrix")
	require.NotNil(t, matrix)
	ruleRows := findAll(matrix, classed("tr", "rule-row"))
	assert.Len(t, ruleRows, len(api.Rules()), "the matrix lists every rule of the catalogue")
	var failed []string
	for _, row := range ruleRows {
		if hasClass(row, "fail") {
			failed = append(failed, text(find(row, tag("a"))))
		}
	}
	assert.Equal(t, []string{"S7", "C4", "RT6"}, failed, "the rules that failed, in catalogue order")
	for _, row := range ruleRows {
		if text(find(row, tag("a"))) == "C4" {
			cells := findAll(row, classed("td", "cell"))
			require.Len(t, cells, len(api.Endpoints())+1)
			assert.True(t, hasClass(cells[1], "fail"), "C4 fails on recalc")
			assert.Contains(t, text(cells[1]), "✗")
		}
	}
	findings := byID(doc, "findings-table")
	require.NotNil(t, findings)
	rows := bodyRows(findings)
	assert.Len(t, rows, checkCount(r.Contract), "one row per check, its cases inside")
	hiddenFirst := strings.Fields(attr(root, "data-hidden-first"))
	for _, row := range rows { // the script's default filter showed problems only
		assert.Equal(t, attr(row, "data-status") == "pass", slices.Contains(hiddenFirst, attr(row, "id")), attr(row, "id"))
	}
	assert.Equal(t, "problems", attr(root, "data-filter-first"))
	assert.Equal(t, "all", attr(byID(doc, "finding-filters"), "data-active"))
	steps := byID(doc, "steps-table")
	require.NotNil(t, steps)
	assert.Len(t, bodyRows(steps), len(r.Load.Steps)+1, "every step and the whole session")
	assert.NotNil(t, byID(doc, "violations-table"))
	assert.NotNil(t, byID(doc, "ledger-table"))
	assert.True(t, hasClass(byID(doc, "ledger-verdict"), "fail"))
	assert.NotNil(t, byID(doc, "flows-table"))
	assert.NotNil(t, byID(doc, "environment"))
}

func TestHTMLContractOnlyInBrowser(t *testing.T) {
	requireChromium(t)
	doc := renderInBrowser(t, contractOnly(t))
	assert.True(t, hasClass(byID(doc, "verdict"), "pass"))
	assert.NotNil(t, byID(doc, "contract-matrix"))
	assert.Equal(t, "0", attr(find(doc, tag("html")), "data-charts"))
	for _, id := range []string{"load", "chart-latency", "ledger", "thresholds", "scenario"} {
		assert.Nil(t, byID(doc, id), "no %s without a load run", id)
	}
	// With nothing wrong, the filter shows everything... except that a
	// healthy sandbox still skips the slow H6 check without --slow.
	assert.Equal(t, "problems", attr(find(doc, tag("html")), "data-filter-first"), "the skipped H6 is a problem to show")
}

func TestHTMLLoadOnlyInBrowser(t *testing.T) {
	requireChromium(t)
	r := loadOnly(t)
	doc := renderInBrowser(t, r)
	assert.Nil(t, byID(doc, "contract-matrix"))
	for _, id := range []string{"chart-percentiles", "chart-latency", "chart-session", "chart-throughput", "chart-errors"} {
		requireChart(t, doc, id)
	}
	assert.Nil(t, byID(doc, "chart-contention"), "checkout has no hot clients")
	errs := byID(doc, "chart-errors")
	assert.Contains(t, text(errs), "no unexpected outcome", "an error-free run says so in its error chart")
	assert.True(t, hasClass(byID(doc, "ledger-verdict"), "pass"))
}

// The browser check is not vacuous: a page with a script error, a console
// message and a blocked network request is caught on each count.
func TestBrowserCatchesPageErrors(t *testing.T) {
	page := filepath.Join(t.TempDir(), "broken.html")
	require.NoError(t, os.WriteFile(page, []byte(`<!DOCTYPE html><html><head>
<script>window.onerror = function (m) { document.documentElement.setAttribute("data-errors", m); };</script>
<link rel="stylesheet" href="https://cdn.example.com/x.css"></head>
<body><p>broken</p><script>console.error("boom"); notDefined();</script></body></html>`), 0o644))
	dom, log := browser(t, page)
	doc, err := html.Parse(strings.NewReader(dom))
	require.NoError(t, err)
	all := strings.Join(browserProblems(doc, log), "\n")
	assert.Contains(t, all, "script errors: ")
	assert.Contains(t, all, "notDefined")
	assert.Contains(t, all, `console: `)
	assert.Contains(t, all, "no data-ready")
}

// The page needs nothing from the network: no external scripts, styles,
// images, fonts or frames.
func TestHTMLSelfContained(t *testing.T) {
	for name, r := range map[string]*record.Record{"golden": goldenRecord(), "hostile": hostileRecord(), "capacity": goldenCapacityRecord(), "hostile capacity": hostileCapacityRecord()} {
		page := render(t, r, FormatHTML)
		doc, err := html.Parse(strings.NewReader(page))
		require.NoError(t, err, name)
		for _, n := range findAll(doc, func(*html.Node) bool { return true }) {
			for _, a := range n.Attr {
				switch a.Key {
				case "src", "srcset", "poster", "data", "action":
					t.Errorf("%s: <%s %s=%q> loads something", name, n.Data, a.Key, a.Val)
				case "href":
					assert.True(t, strings.HasPrefix(a.Val, "#"), "%s: <%s href=%q> leaves the page", name, n.Data, a.Val)
				}
			}
			assert.NotContains(t, []string{"link", "img", "iframe", "object", "embed", "audio", "video"}, n.Data, name)
		}
		for _, s := range []string{"@import", "url(", "fetch(", "XMLHttpRequest"} {
			assert.False(t, strings.Contains(page, s), "%s: the page uses %s", name, s)
		}
	}
}

// Text from the target is shown as text, never as markup.
func TestHTMLEscapesEverything(t *testing.T) {
	page := render(t, hostileRecord(), FormatHTML)
	assert.False(t, strings.Contains(page, "<script>alert(1)"), "a server's answer injected markup")
	assert.True(t, strings.Contains(page, "&lt;script&gt;alert(1)"))
	doc, err := html.Parse(strings.NewReader(page))
	require.NoError(t, err)
	assert.Len(t, findAll(doc, tag("script")), 2, "only the page's own two scripts")
}

// A capacity record in the browser: the section's headline, its three
// charts with their knee marks and markers, the step table in rate order,
// the ledger, and no script error.
func TestHTMLCapacityInBrowser(t *testing.T) {
	requireChromium(t)
	r := goldenCapacityRecord()
	doc := renderInBrowser(t, r)
	root := find(doc, tag("html"))
	assert.Equal(t, "0", attr(root, "data-charts"), "the capacity charts need no script")
	assert.True(t, hasClass(byID(doc, "verdict"), "pass"))
	for _, id := range []string{"contract", "load", "timeline"} {
		assert.Nil(t, byID(doc, id), "no %s section in a capacity record", id)
	}

	sec := byID(doc, "capacity")
	require.NotNil(t, sec)
	box := byID(doc, "capacity-verdict")
	require.NotNil(t, box)
	assert.True(t, hasClass(box, "pass"))
	assert.Equal(t, "247", text(find(box, classed("span", "capacity-big"))))
	assert.Contains(t, text(box), "first failing rate 258/s")
	var tileText []string
	for _, a := range findAll(doc, classed("a", "tile")) {
		tileText = append(tileText, text(a))
	}
	assert.Contains(t, strings.Join(tileText, "|"), "Capacity247/s")

	for _, id := range []string{"chart-capacity-latency", "chart-capacity-errors", "chart-capacity-throughput"} {
		svg := requireChart(t, doc, id)
		assert.Equal(t, "log", attr(svg, "data-xscale"), id)
		assert.Contains(t, text(svg), "offered load: session starts per second asked (log scale)", id)
		knees := findAll(svg, classed("g", "knee"))
		require.Len(t, knees, 2, "%s marks the knee at both rates", id)
		assert.Equal(t, "247", attr(knees[0], "data-rate"))
		assert.Equal(t, "capacity 247/s", text(find(knees[0], classed("text", "knee-label"))))
		assert.Equal(t, "258", attr(knees[1], "data-rate"))
		assert.Equal(t, "258/s fails: p99(session)<200ms", text(find(knees[1], classed("text", "knee-label"))))
		assert.NotNil(t, find(svg, classed("rect", "knee-band")), id)
		assert.NotEmpty(t, findAll(svg, func(n *html.Node) bool { return hasClass(n, "marker") && hasClass(n, "pass") }), id)
		assert.NotEmpty(t, findAll(svg, func(n *html.Node) bool { return hasClass(n, "marker") && hasClass(n, "fail") }), id)
		assert.NotEmpty(t, findAll(svg, func(n *html.Node) bool { return hasClass(n, "marker") && hasClass(n, "skip") }), id)
		legend := text(find(svg, classed("g", "legend")))
		for _, s := range []string{"passed", "failed", "not judged"} {
			assert.Contains(t, legend, s, id)
		}
	}
	lat := byID(doc, "chart-capacity-latency")
	assert.Contains(t, text(find(lat, classed("g", "legend"))), "p99.9")
	assert.Len(t, findAll(lat, classed("circle", "marker")), 3*8, "a disc or a ring per percentile of each passing or unjudged step")
	assert.Len(t, findAll(lat, classed("g", "marker")), 3*3, "a cross per percentile of each failing step")
	assert.Contains(t, text(lat), "session latency (ms)")
	assert.Contains(t, text(lat), "SLO p99(session)<200ms")
	marker := find(lat, classed("circle", "pass"))
	assert.Contains(t, text(find(marker, tag("title"))), "/s asked", "a marker's tooltip names its step")
	assert.Contains(t, text(byID(doc, "chart-capacity-errors")), "% of requests")

	tbl := byID(doc, "capacity-table")
	require.NotNil(t, tbl)
	rows := findAll(tbl, classed("tr", "step"))
	require.Len(t, rows, len(r.Capacity.Steps))
	var order, knee []string
	for _, row := range rows {
		order = append(order, attr(row, "data-step"))
		if hasClass(row, "knee") {
			knee = append(knee, attr(row, "data-step")+" "+attr(row, "data-status"))
		}
	}
	assert.Equal(t, []string{"1", "2", "3", "4", "5", "7", "8", "10", "11", "9", "6"}, order, "steps in rate order")
	assert.Equal(t, []string{"10 pass", "11 fail"}, knee)
	why := findAll(tbl, classed("tr", "why"))
	assert.Len(t, why, 5, "the reasons of the three failing and two unjudged steps")
	assert.Contains(t, text(tbl), "p99(session)<200ms (measured 214ms)")

	assert.NotNil(t, byID(doc, "ledger"))
	assert.True(t, hasClass(byID(doc, "ledger-verdict"), "pass"))
	assert.NotNil(t, byID(doc, "thresholds-table"))
	assert.Contains(t, text(byID(doc, "thresholds")), "as measured at 247/s, the highest passing rate")
}

// A search the target failed: no figure, the ledger findings listed, the
// failing step's violations in the table, and no script error.
func TestHTMLBrokenCapacityInBrowser(t *testing.T) {
	requireChromium(t)
	doc := renderInBrowser(t, brokenCapacityRecord())
	assert.True(t, hasClass(byID(doc, "verdict"), "fail"))
	box := byID(doc, "capacity-verdict")
	require.NotNil(t, box)
	assert.True(t, hasClass(box, "fail"))
	assert.Equal(t, "no figure", text(find(box, classed("span", "capacity-big"))))
	knees := findAll(byID(doc, "chart-capacity-latency"), classed("text", "knee-label"))
	require.Len(t, knees, 2)
	assert.Equal(t, "SLOs held to 247/s (no figure: ledger)", text(knees[0]))
	assert.NotNil(t, byID(doc, "ledger-table"))
	assert.True(t, hasClass(byID(doc, "ledger-verdict"), "fail"))
	assert.Contains(t, text(byID(doc, "capacity-table")), "contract violations: search S7 x4")
	assert.Nil(t, byID(doc, "thresholds"), "no figure, no thresholds measured at it")
}

// Records with almost nothing in them render without a script error.
func TestHTMLSparseInBrowser(t *testing.T) {
	requireChromium(t)
	sparse := sparseRecords()
	for _, name := range []string{"empty load", "nothing", "capacity"} {
		t.Run(name, func(t *testing.T) {
			doc := renderInBrowser(t, sparse[name])
			assert.True(t, hasClass(byID(doc, "verdict"), "fail"))
		})
	}
}
