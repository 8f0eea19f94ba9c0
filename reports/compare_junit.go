package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"

	"loyalcheck/compare"
)

// renderCompareJUnit is the comparison as a CI verdict, valid against the
// same schema as the run's JUnit report (see junit.go): one suite, one
// case per compared metric, named METRIC(STEP). A regression is a failing
// case, a metric not judged a skipped one; a contract rule that passed in
// BASE and fails in NEW is a failing case too. What else changed in the
// contract goes to the suite's output.
func renderCompareJUnit(w io.Writer, c *Comparison) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{compareJUnitSuite(c)}}); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// compareJUnitSuite is the comparison's suite, alone (compare) or among a
// run's suites (accept --baseline).
func compareJUnitSuite(c *Comparison) junitSuite {
	host, err := os.Hostname()
	if err != nil || strings.TrimSpace(host) == "" {
		host = "localhost"
	}
	j := &junitBuilder{suite: junitSuite{
		Name:      "loyalcheck.compare",
		Package:   "loyalcheck",
		Timestamp: c.made().Format("2006-01-02T15:04:05"),
		Hostname:  host,
		Time:      "0",
		Props: []junitProperty{
			{"base", c.Base.Label}, {"new", c.New.Label},
			{"base.scenario", c.Base.Run.Scenario}, {"new.scenario", c.New.Run.Scenario},
			{"confidence", fmtPct(c.Result.Confidence)},
			{"method", c.Result.Method},
			{"verdict", c.verdictWord()},
		},
	}, names: map[string]int{}}
	for _, m := range c.Result.Metrics {
		step := m.Step
		if step == "" {
			step = "all"
		}
		tc := junitCase{Name: m.Name, Classname: "compare." + step}
		switch m.Verdict {
		case compare.Regression:
			tc.Failure = newFailure(oneLine(m.Reason), "regression", m.Reason)
		case compare.NotJudged:
			tc.Skipped = &junitSkipped{Message: oneLine(m.Reason)}
		default:
			j.note(m.Name, string(m.Verdict)+": "+m.Reason)
		}
		j.add(tc)
	}
	if d := c.Result.Contract; d != nil {
		for _, id := range d.Regressed {
			j.add(junitCase{Name: "rule " + id, Classname: "compare.contract",
				Failure: newFailure("rule "+id+" passed in BASE and fails in NEW", "regression", "rule "+id+" passed in BASE and fails in NEW")})
		}
		for _, l := range contractLines(d) {
			j.note("contract", l)
		}
	}
	for _, warn := range c.Result.Warnings {
		j.note("warning", warn)
	}
	return j.done()
}
