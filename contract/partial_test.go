package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"hash/fnv"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"

	"loyalcheck/reports/record"
)

// breakWhere answers a request for which bad(path, body) holds with
// answer (a 500, or a connection closed without an answer) and passes the
// others to the sandbox.
func breakWhere(bad func(path string, body []byte) bool, answer func(w http.ResponseWriter)) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if bad(r.URL.Path, body) {
				answer(w)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			h.ServeHTTP(w, r)
		})
	}
}

func answer500(w http.ResponseWriter) {
	w.WriteHeader(http.StatusInternalServerError)
	io.WriteString(w, "Internal Server Error")
}

// hangUp closes the connection without answering: a transport error.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
		}
	}
}

// mostSearches picks three in four searched identifiers, the same ones
// on every call, so the clients discovery finds answer the checks too.
func mostSearches(path string, body []byte) bool {
	if path != api.EpSearch.Path() {
		return false
	}
	var req struct {
		Search string `json:"search"`
	}
	_ = json.Unmarshal(body, &req)
	h := fnv.New32a()
	h.Write([]byte(req.Search))
	return h.Sum32()%4 != 0
}

// everyThird picks every third search, so no endpoint goes silent (three
// unanswered calls in a row) and discovery gets its first answers.
func everyThird() func(string, []byte) bool {
	var n atomic.Int64
	return func(path string, _ []byte) bool {
		return path == api.EpSearch.Path() && n.Add(1)%3 == 0
	}
}

// notPassed asserts that the checks of the rules did not pass.
func notPassed(t *testing.T, res *Result, rules ...string) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range record.CheckVerdicts(res.Findings) {
		if slices.Contains(rules, c.Rule) {
			seen[c.Rule] = true
			assert.NotEqual(t, Pass, c.Status, "%s %s", c.Rule, c.Check)
		}
	}
	assert.Len(t, seen, len(rules), "checks of %v ran", rules)
}

func runWrapped(t *testing.T, wrap func(http.Handler) http.Handler, only ...string) *Result {
	t.Helper()
	srv, c, _ := wrappedSandbox(t, wrap)
	res, err := Run(context.Background(), c, srv.Fixtures(), WithValidator(sharedValidator), WithAPIKey(testKey), WithOnly(only...))
	require.NoError(t, err)
	return res
}

// TestFailedSearchesAreNotAPass: the checks judging the clients the run
// found (S5, S6, S7) must not pass when most fixture searches answered
// 500: each 500 breaks G4, with the exchange as evidence, and the rule is
// unverified on the clients not seen, with the count. Without the broken
// answers they pass.
func TestFailedSearchesAreNotAPass(t *testing.T) {
	only := []string{"s5-identifiers", "s6-optional-fields", "s7-ranges"}
	res := runWrapped(t, breakWhere(mostSearches, answer500), only...)
	assert.Equal(t, "FAIL", res.Verdict(), describe(res))
	// S5 also searches the role clients' other identifiers, which the
	// proxy breaks too: a failure of S5 itself.
	assert.NotEqual(t, record.Verified, coverageByRule(res)["S5"].State, describe(res))
	for _, rule := range []string{"S6", "S7"} {
		c := coverageByRule(res)[rule]
		assert.Equal(t, record.Unverified, c.State, "%s: %s\n%s", rule, c.Reason, describe(res))
		assert.Regexp(t, `\d+ of 20 fixture client searches got no usable answer \(\d+ HTTP 500\): `+rule+` is unverified on them`, c.Reason, rule)
	}
	notPassed(t, res, "S5", "S6", "S7")
	g4 := 0
	for _, f := range res.Findings {
		if f.Rule == "G4" && f.Status == Fail {
			g4++
			require.NotNil(t, f.Evidence)
			assert.Equal(t, http.StatusInternalServerError, f.Evidence.Status)
			assert.Contains(t, f.Message, "searching fixture client")
		}
	}
	assert.Equal(t, 1, g4, "one cause, one failure, whichever check saw it first:\n%s", describe(res))
	assert.Equal(t, record.Failed, coverageByRule(res)["G4"].State)

	clean := runWrapped(t, breakWhere(func(string, []byte) bool { return false }, answer500), only...)
	assert.Equal(t, "PASS", clean.Verdict(), describe(clean))
	for _, rule := range []string{"S5", "S6", "S7"} {
		assert.Equal(t, record.Verified, coverageByRule(clean)[rule].State, rule)
	}
}

// TestUnansweredSearchesAreUnverified: searches that got no answer at all
// blame nothing on the target (the network may have lost them) but leave
// S6 and S7 unverified, with the count, not passed. (Both are interp
// rules: unverified, they do not make the run INCOMPLETE.)
func TestUnansweredSearchesAreUnverified(t *testing.T) {
	res := runWrapped(t, breakWhere(everyThird(), hangUp), "s6-optional-fields", "s7-ranges")
	assert.False(t, res.Failed(), describe(res))
	notPassed(t, res, "S6", "S7")
	for _, rule := range []string{"S6", "S7"} {
		c := coverageByRule(res)[rule]
		assert.Equal(t, record.Unverified, c.State, rule)
		assert.Regexp(t, `\d+ of \d+ .* got no usable answer \(\d+ no answer\)`, c.Reason, rule)
	}
}

// TestUnansweredBadRequestsAreUnverified: G5 judged on the error bodies
// it saw, and B5 on the bad requests answered, are unverified on those
// that got no answer, never passed.
func TestUnansweredBadRequestsAreUnverified(t *testing.T) {
	for _, tc := range []struct {
		check, rule string
		bad         func(string, []byte) bool
	}{
		{"g5-error-body", "G5", func(path string, body []byte) bool {
			return path == api.EpSearch.Path() && strings.Contains(string(body), "loyalcheck-unknown-")
		}},
		{"b5-no-side-effect", "B5", func(path string, body []byte) bool {
			return path == api.EpRetail.Path() && strings.Contains(string(body), `"spend":"abc"`)
		}},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			res := runWrapped(t, breakWhere(tc.bad, hangUp), tc.check)
			c := coverageByRule(res)[tc.rule]
			assert.Equal(t, record.Unverified, c.State, describe(res))
			assert.Regexp(t, `1 of \d+ .* got no usable answer \(1 no answer\)`, c.Reason)
			notPassed(t, res, tc.rule)
		})
	}
}

// TestUnreleasedHoldsLeaveL3Unverified: L3 compares the balance with the
// ledger once every hold has ended; a release answered 500 ended nothing
// the run knows of, so L3 is not passed on it and the 500 breaks G4.
func TestUnreleasedHoldsLeaveL3Unverified(t *testing.T) {
	releases := func(path string, _ []byte) bool { return path == api.EpRelease.Path() }
	res := runWrapped(t, breakWhere(releases, answer500), "l3-no-leaked-holds")
	notPassed(t, res, "L3")
	c := coverageByRule(res)["L3"]
	assert.Equal(t, record.Unverified, c.State, describe(res))
	assert.Regexp(t, `1 of 1 releases of the holds the ledger counts active got no usable answer \(1 HTTP 500\)`, c.Reason)
	assert.Equal(t, record.Failed, coverageByRule(res)["G4"].State, describe(res))
}

// TestBrokenAnswersLeaveG7G8Unverified: G7 judged on the requests that
// were refused, and G8 on the answers that were 200s, are not passed when
// some answered 500 instead: the 500s break G4.
func TestBrokenAnswersLeaveG7G8Unverified(t *testing.T) {
	for _, tc := range []struct {
		check, rule, reason string
		bad                 func(string, []byte) bool
	}{
		{"g7-refused-no-effect", "G7", `2 of 4 requests that must be refused got no usable answer \(2 HTTP 500\)`,
			func(path string, body []byte) bool {
				return path == api.EpRetail.Path() && strings.Contains(string(body), `"point":"ffff`)
			}},
		{"g8-types", "G8", `1 of 3 answers of recalc, hold and retail got no usable answer \(1 HTTP 500\)`,
			func(path string, _ []byte) bool { return path == api.EpRecalc.Path() }},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			res := runWrapped(t, breakWhere(tc.bad, answer500), tc.check)
			notPassed(t, res, tc.rule)
			c := coverageByRule(res)[tc.rule]
			assert.Equal(t, record.Unverified, c.State, describe(res))
			assert.Regexp(t, tc.reason, c.Reason)
			assert.Equal(t, record.Failed, coverageByRule(res)["G4"].State, describe(res))
		})
	}
}
