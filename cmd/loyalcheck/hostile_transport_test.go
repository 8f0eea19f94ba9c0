package main

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/internal/testcert"

	"loyalcheck/api"
	"loyalcheck/sandbox"
)

// Hostile targets on loopback: a sandbox behind a handler that misbehaves
// the way a vendor's production might (redirects, odd bodies, TLS of its
// own), run through the CLI in-process.

const hostileKey = "hostile-k3y-5e0c1d-must-stay-home"

var hostileVars = map[string]string{api.APIKeyEnv: hostileKey}

// misbehave answers a request in place of the sandbox (next), or around it.
type misbehave func(w http.ResponseWriter, r *http.Request, next http.Handler)

type hostile struct {
	url      string
	fixtures string
	sb       http.Handler
	srv      *httptest.Server
}

// hostileTarget starts a sandbox (its key hostileKey) behind a server that
// lets mis answer every request for which on returns true. With tlsCfg set
// it serves https with its own self-signed certificate.
func hostileTarget(t *testing.T, on func(*http.Request) bool, mis misbehave, tlsCfg *tls.Config) *hostile {
	t.Helper()
	sb, err := sandbox.New(sandbox.WithDB(sandbox.MemoryDB), sandbox.WithClients(20), sandbox.WithAPIKey(hostileKey))
	require.NoError(t, err)
	h := &hostile{sb: sb.Handler()}
	h.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if on != nil && on(r) {
			mis(w, r, sb.Handler())
			return
		}
		sb.ServeHTTP(w, r)
	}))
	h.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	if tlsCfg != nil {
		h.srv.TLS = tlsCfg
		h.srv.StartTLS()
	} else {
		h.srv.Start()
	}
	t.Cleanup(func() {
		h.srv.CloseClientConnections()
		h.srv.Close()
		sb.Close()
	})
	h.url = h.srv.URL
	h.fixtures = filepath.Join(t.TempDir(), "fixtures.json")
	require.NoError(t, sb.Fixtures().WriteFile(h.fixtures))
	return h
}

// caFile writes the target's certificate as a PEM CA bundle.
func (h *hostile) caFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.srv.Certificate().Raw}), 0o600))
	return p
}

func (h *hostile) args(cmd string, more ...string) []string {
	return append([]string{cmd, "--target", h.url, "--fixtures", h.fixtures}, more...)
}

// onEndpoint matches POSTs to these endpoints, and every request with
// another method (the suite's raw GET probes).
func onEndpoint(eps ...api.Endpoint) func(*http.Request) bool {
	return func(r *http.Request) bool {
		if r.Method != http.MethodPost {
			return true
		}
		for _, ep := range eps {
			if r.URL.Path == ep.Path() {
				return true
			}
		}
		return false
	}
}

// keyTrap is the host a redirect points to: it serves the API as well (a
// vendor's other backend, so a run following the redirect would go on
// and pass) and counts every request that reached it carrying an apikey.
type keyTrap struct {
	srv  *httptest.Server
	hits atomic.Int64
}

func newKeyTrap(t *testing.T) *keyTrap {
	t.Helper()
	sb, err := sandbox.New(sandbox.WithDB(sandbox.MemoryDB), sandbox.WithClients(20), sandbox.WithAPIKey(hostileKey))
	require.NoError(t, err)
	k := &keyTrap{}
	k.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("apikey") != "" {
			k.hits.Add(1)
		}
		sb.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		k.srv.CloseClientConnections()
		k.srv.Close()
		sb.Close()
	})
	return k
}

func (k *keyTrap) host() string { return strings.TrimPrefix(k.srv.URL, "http://") }

func redirectTo(status int, base string) misbehave {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		w.Header().Set("Location", base+r.URL.Path)
		w.WriteHeader(status)
	}
}

// tinyLoad keeps the load phase of load, accept and capacity to a few
// sessions.
var tinyLoad = []string{"--rate", "4/s", "--duration", "1s", "--timeout", "5s"}

// A redirect is an answer: never followed (the apikey header would go
// along), judged a failure naming the status and where it pointed.
func TestHostileRedirectIsNotFollowed(t *testing.T) {
	for _, status := range []int{301, 302, 307, 308} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			trap := newKeyTrap(t)
			h := hostileTarget(t, onEndpoint(api.EpRetail), redirectTo(status, trap.srv.URL), nil)
			js := filepath.Join(t.TempDir(), "c.json")
			code, out, errs := cliRun(t, hostileVars, h.args("contract", "--only", "G1,G4", "--json", js)...)
			assert.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			want := fmt.Sprintf("HTTP %d redirect to %s", status, trap.host())
			assert.Contains(t, out, "FAIL G4")
			assert.Contains(t, out, want)
			b, err := os.ReadFile(js)
			require.NoError(t, err)
			assert.Contains(t, string(b), want)
			assertNoKey(t, hostileKey, "", out, errs, string(b))
			assert.Zero(t, trap.hits.Load(), "a request carrying the apikey reached %s", trap.host())
		})
	}
}

// An https target redirecting to plain http is refused the same way.
func TestHostileRedirectHTTPSToHTTP(t *testing.T) {
	trap := newKeyTrap(t)
	h := hostileTarget(t, onEndpoint(api.EpRetail, api.EpRecalc), redirectTo(http.StatusTemporaryRedirect, trap.srv.URL), &tls.Config{})
	require.True(t, strings.HasPrefix(h.url, "https://"))
	code, out, errs := cliRun(t, hostileVars, h.args("contract", "--only", "G1,G4", "--ca-cert", h.caFile(t))...)
	assert.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, out, "HTTP 307 redirect to "+trap.host())
	code, out, errs = cliRun(t, hostileVars, h.args("load", append([]string{"--scenario", "read-only", "--ca-cert", h.caFile(t)}, tinyLoad...)...)...)
	assert.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, out, "HTTP 307 redirect to "+trap.host())
	assert.Zero(t, trap.hits.Load(), "a request carrying the apikey reached %s", trap.host())
}

// No request carrying the apikey reaches another host:port than --target's,
// under any command that talks to a target.
func TestHostileNoKeyLeavesTheTarget(t *testing.T) {
	for _, c := range []struct {
		cmd  string
		args []string
	}{
		{"contract", nil},
		{"load", append([]string{"--scenario", "checkout"}, tinyLoad...)},
		{"accept", append([]string{"--scenario", "read-only"}, tinyLoad...)},
		{"capacity", []string{"--scenario", "read-only", "--start", "4/s", "--max", "4/s", "--step-duration", "1s",
			"--probe-duration", "1s", "--budget", "10s", "--slo", "p99(session)<5s", "--timeout", "5s"}},
	} {
		t.Run(c.cmd, func(t *testing.T) {
			trap := newKeyTrap(t)
			// Search answers (so setup succeeds); every other endpoint
			// redirects, alternating the four statuses.
			var n atomic.Int64
			statuses := []int{307, 308, 301, 302}
			h := hostileTarget(t, func(r *http.Request) bool { return r.URL.Path != api.EpSearch.Path() || r.Method != http.MethodPost },
				func(w http.ResponseWriter, r *http.Request, next http.Handler) {
					redirectTo(statuses[n.Add(1)%4], trap.srv.URL)(w, r, next)
				}, nil)
			dir := t.TempDir()
			args := h.args(c.cmd, c.args...)
			if c.cmd != "contract" {
				args = append(args, "--out", dir)
			}
			code, out, errs := cliRun(t, hostileVars, args...)
			assert.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			record, _ := os.ReadFile(filepath.Join(dir, "run.json")) // capacity lists a step's top errors there
			assert.Contains(t, out+errs+string(record), "redirect to "+trap.host())
			assertNoKey(t, hostileKey, dir, out, errs)
			assert.Zero(t, trap.hits.Load(), "a request carrying the apikey reached %s", trap.host())
		})
	}
}

// gzipBomb is a gzip stream of a JSON object padded to 64 MiB, 64 times
// the client's cap on what it reads.
func gzipBomb(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	require.NoError(t, err)
	io.WriteString(zw, `{"success":true,"client":{"id":"`)
	chunk := bytes.Repeat([]byte("a"), 1<<20)
	for i := 0; i < 64; i++ {
		_, err := zw.Write(chunk)
		require.NoError(t, err)
	}
	io.WriteString(zw, `"}}`)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func answer(header map[string]string, body []byte) misbehave {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		io.Copy(io.Discard, r.Body)
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}
}

// A target that answered is judged (exit 1), never "unreachable" (exit 3):
// whatever the search answers, under contract and under load. Reading,
// redacting and judging a megabyte under the race detector on a busy
// machine took over the 5s of tinyLoad once: the timeout here is long,
// as no answer is slow but the machine.
func TestHostileAnswersAreJudged(t *testing.T) {
	const timeout = "60s"
	big := append(append([]byte(`{"success":true,"client":{"id":"`), bytes.Repeat([]byte("x"), 2<<20)...), `"}}`...)
	deep := []byte(strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000))
	for _, c := range []struct {
		name string
		mis  misbehave
		want string // in the contract report
	}{
		{"non-JSON 200", answer(nil, []byte("<html><body>Welcome!</body></html>")), "body is not JSON"},
		{"deep JSON", answer(nil, deep), "body is not JSON"},
		{"body over the cap", answer(nil, big), "body longer than the 1048576 bytes read"},
		{"gzip bomb", answer(map[string]string{"Content-Encoding": "gzip"}, gzipBomb(t)), "body longer than the 1048576 bytes read"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := hostileTarget(t, onEndpoint(api.EpSearch), c.mis, nil)
			code, out, errs := cliRun(t, hostileVars, h.args("contract", "--timeout", timeout)...)
			assert.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			assert.Contains(t, out, "FAIL G6")
			assert.Contains(t, out, c.want)
			code, out, errs = cliRun(t, hostileVars, h.args("load", append(append([]string{"--scenario", "read-only"}, tinyLoad...), "--timeout", timeout)...)...)
			assert.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			assert.NotContains(t, errs, "unreachable")
			assert.Contains(t, errs, "no fixture client could be searched")
		})
	}
}

// Under load, an answer over the cap is an error and a contract violation
// of that step, not a transport failure.
func TestHostileBodyOverTheCapUnderLoad(t *testing.T) {
	big := append(append([]byte(`{"success":true,"recalc":{"amount":"`), bytes.Repeat([]byte("9"), 2<<20)...), `"}}`...)
	h := hostileTarget(t, onEndpoint(api.EpRecalc), answer(nil, big), nil)
	code, out, errs := cliRun(t, hostileVars, h.args("load", append([]string{"--scenario", "read-only"}, tinyLoad...)...)...)
	assert.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, out, "response body too large")
	assert.Contains(t, out, "contract violations under load")
}

// dupSuccess turns the sandbox's {"success":true,...} into
// {"success":false,...,"success":true}: which one counts depends on the
// parser, so the answer is ambiguous.
func dupSuccess(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK && bytes.HasPrefix(body, []byte("{")) {
		body = append([]byte(`{"success":false,`), body[1:]...)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rec.Code)
	w.Write(body)
}

func TestHostileDuplicateKeys(t *testing.T) {
	h := hostileTarget(t, onEndpoint(api.EpRecalc), dupSuccess, nil)
	code, out, errs := cliRun(t, hostileVars, h.args("contract", "--only", "G6")...)
	assert.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, out, "FAIL G6")
	assert.Contains(t, out, `key "success" appears twice in the object at (root)`)
	code, out, errs = cliRun(t, hostileVars, h.args("load", append([]string{"--scenario", "read-only"}, tinyLoad...)...)...)
	assert.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, out, "contract violations under load")
	assert.Contains(t, out, "G6")
}

// A self-signed target is refused (exit 3, naming --ca-cert) and trusted
// with --ca-cert; verification has no off switch.
func TestHostileSelfSignedTLS(t *testing.T) {
	h := hostileTarget(t, nil, nil, &tls.Config{})
	code, out, errs := cliRun(t, hostileVars, h.args("contract", "--only", "G1")...)
	assert.Equal(t, exitUnreachable, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, errs, "--ca-cert")
	code, out, errs = cliRun(t, hostileVars, h.args("load", append([]string{"--scenario", "read-only"}, tinyLoad...)...)...)
	assert.Equal(t, exitUnreachable, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, errs, "--ca-cert")

	ca := h.caFile(t)
	code, out, errs = cliRun(t, hostileVars, h.args("contract", "--only", "G1", "-v", "--ca-cert", ca)...)
	assert.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, out, "PASS G1")
	code, out, errs = cliRun(t, hostileVars, h.args("load", append([]string{"--scenario", "read-only", "--ca-cert", ca}, tinyLoad...)...)...)
	assert.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	for _, cmd := range []string{"contract", "load", "accept", "capacity"} {
		_, help, _ := cliRun(t, nil, cmd, "--help")
		for _, f := range []string{"--ca-cert", "--client-cert", "--client-key"} {
			assert.Contains(t, help, f, cmd)
		}
		assert.NotContains(t, help, "insecure", cmd)
	}
}

func TestHostileMutualTLS(t *testing.T) {
	cert, certFile, keyFile := testcert.ClientCert(t, t.TempDir())
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	h := hostileTarget(t, nil, nil, &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool})
	ca := h.caFile(t)
	code, out, errs := cliRun(t, hostileVars, h.args("contract", "--only", "G1", "--ca-cert", ca)...)
	assert.Equal(t, exitUnreachable, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, errs, "--client-cert")
	code, out, errs = cliRun(t, hostileVars, h.args("contract", "--only", "G1", "-v", "--ca-cert", ca, "--client-cert", certFile, "--client-key", keyFile)...)
	assert.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, out, "PASS G1")
}

// Bad TLS files are a usage error: exit 2, one line, before any request.
func TestHostileTLSFlagErrors(t *testing.T) {
	_, certFile, keyFile := testcert.ClientCert(t, t.TempDir())
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("hello\n"), 0o600))
	badPEM := filepath.Join(dir, "bad.pem")
	require.NoError(t, os.WriteFile(badPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")}), 0o600))
	url, fx := deadTarget(t)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"missing CA file", []string{"--ca-cert", filepath.Join(dir, "nope.pem")}, "nope.pem"},
		{"CA file without PEM", []string{"--ca-cert", notPEM}, "no PEM certificate"},
		{"bad certificate", []string{"--ca-cert", badPEM}, "bad.pem"},
		{"cert without key", []string{"--client-cert", certFile}, "--client-key"},
		{"key without cert", []string{"--client-key", keyFile}, "--client-cert"},
		{"key that is no key", []string{"--client-cert", certFile, "--client-key", notPEM}, "client certificate"},
	} {
		for _, cmd := range []string{"contract", "load", "accept", "capacity"} {
			t.Run(c.name+"/"+cmd, func(t *testing.T) {
				args := append([]string{cmd, "--target", url, "--fixtures", fx, "--scenario", "read-only"}, c.args...)
				if cmd == "contract" {
					args = append([]string{cmd, "--target", url, "--fixtures", fx}, c.args...)
				}
				code, out, errs := cliRun(t, hostileVars, args...)
				assert.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", out, errs)
				assert.Contains(t, errs, c.want)
				assert.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
			})
		}
	}
	code, _, errs := cliRun(t, nil, "contract", "--ca-cert", notPEM)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "need an https --target")
}
