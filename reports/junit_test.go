package reports

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/reports/record"
)

// requireTool returns the path of the first of names installed. Without
// it the test is skipped, unless LOYALCHECK_REQUIRE_TOOLS is set (CI sets
// it and installs the tools), when it fails.
func requireTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("LOYALCHECK_REQUIRE_TOOLS") != "" {
		t.Fatalf("%s is not installed and LOYALCHECK_REQUIRE_TOOLS is set", names[0])
	}
	t.Skipf("%s is not installed (set LOYALCHECK_REQUIRE_TOOLS to make this a failure)", names[0])
	return ""
}

// Every JUnit report is valid against the common JUnit XSD, checked by
// xmllint (Debian's libxml2-utils).
func TestJUnitValidAgainstXSD(t *testing.T) {
	xmllint := requireTool(t, "xmllint")
	xsd, err := filepath.Abs(filepath.Join("testdata", "junit.xsd"))
	require.NoError(t, err)
	records := map[string]*record.Record{
		"golden": goldenRecord(), "accept-faulty": faultyRun(t), "contract-only": contractOnly(t), "load-only": loadOnly(t),
		"hostile": hostileRecord(), "capacity-golden": goldenCapacityRecord(), "capacity-broken": brokenCapacityRecord(),
		"capacity-real": capacityRun(t), "capacity-real-broken": brokenCapacityRun(t),
	}
	for name, r := range sparseRecords() {
		records["sparse "+name] = r
	}
	dir := t.TempDir()
	var files []string
	for name, r := range records {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".xml")
		require.NoError(t, os.WriteFile(p, []byte(render(t, r, FormatJUnit)), 0o644))
		files = append(files, p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, xmllint, append([]string{"--noout", "--schema", xsd}, files...)...).CombinedOutput()
	require.NoError(t, err, "xmllint:\n%s", out)
	for _, f := range files {
		assert.Contains(t, string(out), f+" validates")
	}

	// Not vacuous: the schema does refuse what it should.
	bad := filepath.Join(dir, "bad.xml")
	require.NoError(t, os.WriteFile(bad, []byte(`<testsuites><testsuite name="x" tests="1" failures="0" errors="0" time="0" timestamp="2026-01-01T00:00:00Z" hostname="h" package="p" id="0"><properties/><testcase name="a" classname="b" time="0"><system-out>x</system-out></testcase><system-out/><system-err/></testsuite></testsuites>`), 0o644))
	out, err = exec.CommandContext(ctx, xmllint, "--noout", "--schema", xsd, bad).CombinedOutput()
	require.Error(t, err, "xmllint accepted an invalid document:\n%s", out)
	assert.Contains(t, string(out), "timestamp")
}

// hostileRecord has text no report may pass through raw: control
// characters, invalid UTF-8, markup and quotes, in messages and evidence.
func hostileRecord() *record.Record {
	c, s, ts := goldenRun()
	nasty := "a\x00b\x1b[31mc <script>alert(1)</script> & \"q\" 'q' ]]> \xff\xfe |*_` \uFFFE end"
	f := &c.Findings[4]
	f.Message = nasty
	f.Check = "c4 <x>"
	f.Evidence.Body = json.RawMessage(mustJSON(nasty))
	f.Evidence.Note = nasty
	s.Ledger.Findings[0].Message = nasty
	s.Violations[0].Example = nasty
	r := goldenRecordOf(c, s, ts)
	r.Verdict.Reasons = append(r.Verdict.Reasons, nasty)
	return r
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

type jSuites struct {
	Suites []struct {
		Name      string `xml:"name,attr"`
		Tests     int    `xml:"tests,attr"`
		Failures  int    `xml:"failures,attr"`
		Skipped   int    `xml:"skipped,attr"`
		SystemOut string `xml:"system-out"`
		Props     []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, r *record.Record) jSuites {
	t.Helper()
	var s jSuites
	require.NoError(t, xml.Unmarshal([]byte(render(t, r, FormatJUnit)), &s))
	return s
}

func TestJUnitContent(t *testing.T) {
	r := faultyRun(t)
	s := parseJUnit(t, r)
	var names []string
	for _, su := range s.Suites {
		names = append(names, su.Name)
	}
	require.Equal(t, []string{"contract", "thresholds", "ledger", "load-contract"}, names)

	// contract: one case per check on a rule, whatever number of cases
	// it tried; failures carry the evidence of every case, skips are
	// skipped, warnings pass with their message in system-out.
	c := s.Suites[0]
	checks := checkCount(r.Contract)
	require.Len(t, c.Cases, checks)
	sum := r.Contract.Summary
	assert.Equal(t, sum.Fail, c.Failures)
	assert.Equal(t, sum.Skip+sum.NotInScope, c.Skipped)
	assert.Equal(t, checks, c.Tests)
	seen := map[string]bool{}
	var c4 int
	for _, tc := range c.Cases {
		assert.False(t, seen[tc.Name], "duplicate test name %q", tc.Name)
		seen[tc.Name] = true
		assert.True(t, strings.HasPrefix(tc.Classname, "contract."), tc.Classname)
		assert.NotContains(t, tc.Classname, " ")
		if tc.Failure != nil && tc.Name == "C4 c4-earn" {
			c4++
			assert.Contains(t, tc.Failure.Message, "earn")
			assert.Contains(t, tc.Failure.Text, "POST ")
			assert.Contains(t, tc.Failure.Text, "/integration/general/recalc -> HTTP 200")
			assert.Contains(t, tc.Failure.Text, `"earn":`)
			assert.Equal(t, "contract.recalc", tc.Classname)
		}
	}
	assert.Equal(t, 1, c4, "one failed check, however many cases failed")
	for _, f := range r.Contract.Findings() {
		if f.Status == record.Warn {
			assert.Contains(t, c.SystemOut, "WARN "+f.Rule+" "+f.Check)
		}
	}
	props := map[string]string{}
	for _, p := range c.Props {
		props[p.Name] = p.Value
	}
	assert.Equal(t, "FAIL", props["verdict"])
	assert.Equal(t, r.Target.URL, props["target"])

	// thresholds: one case each, failing ones with the measured value.
	th := s.Suites[1]
	require.Len(t, th.Cases, len(r.Thresholds))
	for i, tc := range th.Cases {
		assert.Equal(t, r.Thresholds[i].Expr, tc.Name)
		assert.Equal(t, !r.Thresholds[i].Pass, tc.Failure != nil, tc.Name)
	}
	assert.Contains(t, th.Cases[len(th.Cases)-2].Failure.Message, "limit < 1µs")

	// ledger: L1 fails (accruals lost), L2 and L3 hold.
	l := s.Suites[2]
	require.Len(t, l.Cases, 3)
	require.NotNil(t, l.Cases[0].Failure)
	assert.True(t, strings.HasPrefix(l.Cases[0].Name, "L1 "))
	assert.Contains(t, l.Cases[0].Failure.Text, "final balance")
	assert.Nil(t, l.Cases[1].Failure)

	// load contract: one case per step; search broke S7.
	v := s.Suites[3]
	require.Len(t, v.Cases, len(r.Load.Steps))
	require.NotNil(t, v.Cases[0].Failure)
	assert.Equal(t, "search responses keep the contract", v.Cases[0].Name)
	assert.Contains(t, v.Cases[0].Failure.Message, "S7")
}

func TestJUnitSuitesFollowTheRecord(t *testing.T) {
	names := func(r *record.Record) []string {
		var out []string
		for _, s := range parseJUnit(t, r).Suites {
			out = append(out, s.Name)
		}
		return out
	}
	assert.Equal(t, []string{"contract"}, names(contractOnly(t)))
	assert.Equal(t, []string{"thresholds", "ledger", "load-contract"}, names(loadOnly(t)))
	assert.Empty(t, names(judged(record.New(record.KindLoad, "dev"))))
	assert.Equal(t, []string{"capacity", "ledger"}, names(goldenCapacityRecord()), "a capacity search's thresholds are its passing step's")

	r := goldenRecord()
	r.Load.Ledger.Skipped = "the target went away"
	s := parseJUnit(t, r)
	for _, tc := range s.Suites[2].Cases {
		require.NotNil(t, tc.Skipped, tc.Name)
		assert.Contains(t, tc.Skipped.Message, "the target went away")
	}
}
