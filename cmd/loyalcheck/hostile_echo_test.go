package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/internal/keyforms"
	"loyalcheck/reports/record"
	"loyalcheck/sandbox"
)

// echoMode is how a hostile target echoes the apikey it received.
type echoMode string

const (
	// echo422 appends "(apikey KEY)", in every spelling, to each 422
	// message, and answers every 3rd request but searches with such a
	// 422.
	echo422 echoMode = "422"
	// echo200 adds a field holding the key, in every spelling, to each
	// 200 body.
	echo200 echoMode = "200"
	// echoHTML answers every 3rd request but searches with a 500
	// text/html page dumping the request's headers, and the key in
	// every spelling.
	echoHTML echoMode = "500-html"
	// echoEscaped is echo422 and echo200 with the key \u-escaped only.
	echoEscaped echoMode = "escaped"
)

// echoText is the key in the spellings of the mode, inside a JSON string
// or an HTML page as it is (a \u form decodes to the key).
func echoText(key string, mode echoMode) string {
	forms := keyforms.Of(key)
	names := make([]string, 0, len(forms))
	for n := range forms {
		if mode != echoEscaped || strings.HasPrefix(n, "json-") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "apikey " + forms[n]
	}
	return strings.Join(parts, ", ")
}

// echoTarget serves the sandbox (accepting key) behind a middleware
// that echoes the received apikey back as mode says. It returns the URL
// and a fixtures file for it.
func echoTarget(t *testing.T, key string, mode echoMode) (url, fixtures string) {
	t.Helper()
	srv, err := sandbox.New(sandbox.WithAPIKey(key), sandbox.WithDB(":memory:"))
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("apikey")
		echo := echoText(got, mode)
		// Searches are left alone: the setup checks the fixtures with
		// them, and a target that cannot find its clients is refused
		// before any run.
		nth := r.URL.Path != api.EpSearch.Path() && n.Add(1)%3 == 0
		switch {
		case mode == echoHTML && nth:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "<html><body><h1>500</h1><p>%s</p><pre>\n", echo)
			for name, vs := range r.Header {
				fmt.Fprintf(w, "%s: %s\n", name, strings.Join(vs, ", "))
			}
			fmt.Fprint(w, "</pre></body></html>")
			return
		case (mode == echo422 || mode == echoEscaped) && nth:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprintf(w, `{"client":"Client not found. (%s)"}`, echo)
			return
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		switch {
		case rec.Code == http.StatusUnprocessableEntity && mode != echo200 && mode != echoHTML:
			body = appendToMessages(t, body, " ("+echo+")")
		case rec.Code == http.StatusOK && mode != echo422 && mode != echoHTML && bytes.HasPrefix(body, []byte("{")):
			body = append([]byte(`{"echo":"`+echo+`",`), body[1:]...)
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(body)
	}))
	t.Cleanup(ts.Close)
	return ts.URL, writeFixtures(t, srv.Fixtures())
}

// appendToMessages appends raw (JSON string text) to each string message
// of an error body.
func appendToMessages(t *testing.T, body []byte, raw string) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	for k, v := range m {
		if len(v) > 1 && v[0] == '"' {
			m[k] = json.RawMessage(string(v[:len(v)-1]) + raw + `"`)
		}
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// allBytes is everything a command wrote: stdout, stderr and every file
// under dirs.
func allBytes(t *testing.T, stdout, stderr string, dirs ...string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{"stdout": []byte(stdout), "stderr": []byte(stderr)}
	for _, d := range dirs {
		require.NoError(t, filepath.Walk(d, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			out[p] = b
			return err
		}))
	}
	return out
}

// assertNoKeyForm fails if any spelling of key is in anything written,
// and returns how many "[redacted]" marks were written (the echo got
// through and was redacted).
func assertNoKeyForm(t *testing.T, key string, written map[string][]byte) int {
	t.Helper()
	marks := 0
	for where, b := range written {
		for name, f := range keyforms.Of(key) {
			if i := bytes.Index(b, []byte(f)); i >= 0 {
				lo, hi := max(0, i-60), min(len(b), i+len(f)+20)
				t.Errorf("%s holds the %s key: …%s…", where, name, b[lo:hi])
			}
		}
		marks += bytes.Count(b, []byte(api.Redacted))
	}
	return marks
}

// TestHostileEchoNeverShowsTheKey runs every command against targets that
// echo the apikey back, in every spelling and four ways, and greps every
// byte written for the key.
func TestHostileEchoNeverShowsTheKey(t *testing.T) {
	const key = "Hostile-Echo-k3y-7f3a9c"
	vars := map[string]string{api.APIKeyEnv: key}
	for _, mode := range []echoMode{echo422, echo200, echoHTML, echoEscaped} {
		t.Run(string(mode), func(t *testing.T) {
			url, fx := echoTarget(t, key, mode)
			target := []string{"--target", url, "--fixtures", fx, "--timeout", "5s"}
			tiny := []string{"--scenario", "checkout", "--rate", "8/s", "--duration", "1s", "--drain", "2s"}
			dir := t.TempDir()
			js := filepath.Join(dir, "contract.json")
			accDir, loadDir, capDir, repDir, conDir := filepath.Join(dir, "accept"), filepath.Join(dir, "load"), filepath.Join(dir, "capacity"), filepath.Join(dir, "report"), filepath.Join(dir, "contract")

			runs := []struct {
				name string
				args []string
				dirs []string
				// echoed: the echo must reach this command's output
				// (redacted), else the test proves nothing. Load and
				// capacity keep only statuses and field names of the
				// answers they count, not their messages.
				echoed bool
			}{
				{"contract", append([]string{"contract"}, target...), nil, mode != echo200},
				{"contract -v --json", append([]string{"contract", "-v", "--json", js}, target...), []string{js}, true},
				{"contract --out", append([]string{"contract", "--out", conDir}, target...), []string{conDir}, true},
				{"load", append(append([]string{"load", "--out", loadDir}, target...), tiny...), []string{loadDir}, false},
				{"capacity", append([]string{"capacity", "--out", capDir, "--scenario", "read-only", "--start", "8/s", "--max", "8/s", "--step-duration", "1s", "--budget", "10s"}, target...), []string{capDir}, false},
				{"accept", append(append([]string{"accept", "--out", accDir}, target...), tiny[2:]...), []string{accDir}, true},
				{"report", []string{"report", accDir}, nil, mode != echo200},
				{"report --format all", []string{"report", accDir, "--format", "all", "--out", repDir}, []string{repDir}, true},
				{"report --format json", []string{"report", accDir, "--format", "json"}, nil, true},
			}
			for _, r := range runs {
				code, out, errs := cliRun(t, vars, r.args...)
				assert.NotEqual(t, exitUsage, code, "%s: stdout:\n%s\nstderr:\n%s", r.name, out, errs)
				marks := assertNoKeyForm(t, key, allBytes(t, out, errs, r.dirs...))
				if r.echoed {
					assert.Positive(t, marks, "%s: the echo never reached the output: the test proves nothing", r.name)
				}
			}
			rec, err := record.Read(accDir)
			require.NoError(t, err, "run.json stays a valid record")
			require.NotNil(t, rec.Load)
			assert.Positive(t, rec.Load.AskedRate)
		})
	}
}

// jsonPaths lists every object path of a JSON document (array indexes
// left out), so two records can be compared by shape.
func jsonPaths(t *testing.T, b []byte) []string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	set := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				set[prefix+"."+k] = true
				walk(prefix+"."+k, c)
			}
		case []any:
			for _, c := range x {
				walk(prefix+"[]", c)
			}
		}
	}
	walk("", v)
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// TestShortKeyLeavesReportsIntact: a one-letter key is inside the
// product's own words and field names ("cashback", "asked_rate",
// "peak_in_flight"); redaction must leave every report as it is with a
// long key, and still take a whole-token echo of the short key.
func TestShortKeyLeavesReportsIntact(t *testing.T) {
	type run struct {
		rec       *record.Record
		paths     []string
		out, errs string
		files     map[string][]byte
	}
	runWith := func(key string) run {
		dir := t.TempDir()
		code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: key},
			"accept", "--out", dir, "--scenario", "checkout", "--rate", "8/s", "--duration", "1s", "--seed", "7")
		// A busy machine may breach the scenario's latency thresholds
		// (exit 1): the figures are what is compared, not the verdict.
		require.Contains(t, []int{exitOK, exitFail}, code, "key %q: stdout:\n%s\nstderr:\n%s", key, out, errs)
		rec, err := record.Read(dir)
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(dir, record.File))
		require.NoError(t, err)
		return run{rec: rec, paths: jsonPaths(t, b), out: out, errs: errs, files: allBytes(t, "", "", dir)}
	}
	short, long := runWith("k"), runWith("a-long-key-for-comparison-51c2")

	assert.Equal(t, long.paths, short.paths, "run.json has the same fields with either key")
	for _, r := range []run{short, long} {
		require.NotNil(t, r.rec.Load)
		assert.Equal(t, 8.0, r.rec.Load.AskedRate)
		assert.Positive(t, r.rec.Load.Sessions.PeakFlight)
		assert.Positive(t, r.rec.Fixtures.ClientsByType["cashback"])
		assert.NotContains(t, r.out+r.errs, api.Redacted)
		for where, b := range r.files {
			assert.NotContains(t, string(b), api.Redacted, where)
		}
	}
	assert.Equal(t, long.rec.Load.Sessions.Scheduled, short.rec.Load.Sessions.Scheduled)
	assert.Equal(t, long.rec.Fixtures, short.rec.Fixtures)
	assert.Equal(t, long.rec.Contract.Summary, short.rec.Contract.Summary)
	for _, word := range []string{"cashback", "asked", "peak"} {
		assert.Equal(t, strings.Count(string(long.files[filepathOf(long.files, "report.html")]), word),
			strings.Count(string(short.files[filepathOf(short.files, "report.html")]), word), word)
	}

	// A short key echoed as a whole token still goes.
	url, fx := echoTarget(t, "k", echo422)
	js := filepath.Join(t.TempDir(), "c.json")
	code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: "k"}, "contract", "-v", "--json", js, "--target", url, "--fixtures", fx)
	assert.Equal(t, exitFail, code, errs)
	b, err := os.ReadFile(js)
	require.NoError(t, err)
	require.True(t, json.Valid(b))
	assert.NotContains(t, errs, "apikey k")
	for where, s := range map[string]string{"stdout": out, "--json": string(b)} {
		assert.NotContains(t, s, "apikey k,", where)
		assert.NotContains(t, s, "apikey k)", where)
		assert.Contains(t, s, "apikey "+api.Redacted, where)
		assert.Contains(t, s, "cashback", where)
	}
}

// filepathOf returns the key of files whose base name is name.
func filepathOf(files map[string][]byte, name string) string {
	for p := range files {
		if filepath.Base(p) == name {
			return p
		}
	}
	return ""
}
