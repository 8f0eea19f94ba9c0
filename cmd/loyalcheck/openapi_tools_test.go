package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/contract"
	"loyalcheck/sandbox"
)

// TestOpenAPILint: @redocly/cli lints docs/openapi.yaml with its
// recommended ruleset (redocly.yaml; .redocly.lint-ignore.yaml lists the
// one false positive) and finds no error and no warning; the same lint
// finds the errors of a broken copy, so it can fail.
func TestOpenAPILint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs @redocly/cli, which may need installing (-short)")
	}
	redocly := npmTool(t, "redocly")
	lint := func(doc string) (totals struct{ Errors, Warnings, Ignored int }, out string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, redocly, "lint", doc, "--config", "redocly.yaml", "--format", "json")
		cmd.Dir = repoFile()
		cmd.Env = toolEnv()
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		_ = cmd.Run() // exits 1 on errors; the totals say which
		var res struct {
			Totals struct{ Errors, Warnings, Ignored int } `json:"totals"`
		}
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &res), "redocly lint %s:\n%s\n%s", doc, stdout.Bytes(), stderr.Bytes())
		return res.Totals, stdout.String()
	}

	totals, out := lint("docs/openapi.yaml")
	assert.Zero(t, totals.Errors, out)
	assert.Zero(t, totals.Warnings, out)
	assert.Equal(t, 1, totals.Ignored, "the one known false positive, no more: %s", out)

	good, err := os.ReadFile(repoFile("docs", "openapi.yaml"))
	require.NoError(t, err)
	broken := strings.Replace(string(good), "      summary: Client search\n", "", 1)
	broken = strings.Replace(broken, "#/components/schemas/RecalcResponse", "#/components/schemas/NoSuchSchema", 1)
	require.NotEqual(t, string(good), broken)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte(broken), 0o644))
	totals, out = lint(filepath.Join(dir, "broken.yaml"))
	assert.GreaterOrEqual(t, totals.Errors, 2, "a missing summary and a dangling $ref: %s", out)
	assert.Contains(t, out, "operation-summary")
	assert.Contains(t, out, "no-unresolved-refs")
}

// prismUnforwardable are the contract checks left out of the run through
// Prism: they send bodies that are not JSON at all ("{", "not json"), and
// Prism 5.16 never answers such a request with a JSON content type, with
// or without request validation (its body parser fails before anything
// else; the request hangs until the client's timeout, and the client's
// breaker then stops every later call). Every other check runs, those
// sending ill-typed, incomplete or out-of-range JSON bodies included.
var prismUnforwardable = []string{"b1-malformed", "g4-error-status"}

// TestOpenAPIPrismProxy puts @stoplight/prism-cli, validating against
// docs/openapi.yaml with --errors, between loyalcheck and the sandbox:
//
//   - the contract suite (but prismUnforwardable) through a proxy that
//     validates answers only (--validate-request=false), since the suite
//     sends invalid requests on purpose and Prism would answer those
//     itself: every answer, the refusals of those requests included, must
//     pass: no VIOLATIONS in Prism's log, and the suite passes;
//   - a short load run through a proxy that validates requests and
//     answers: no violation of either kind at all;
//   - with the photo-number fault (search's photo a number) Prism reports
//     the violation as loyalcheck does.
func TestOpenAPIPrismProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prism three times, which may need installing (-short)")
	}
	prismBin := npmTool(t, "prism")
	t0 := time.Now()
	sb, fixtures := prismSandbox(t)
	vars := map[string]string{api.APIKeyEnv: api.SandboxAPIKey}

	// The contract suite; answers validated.
	var only []string
	for _, c := range contract.Checks() {
		if !c.Slow && !slices.Contains(prismUnforwardable, c.Name) {
			only = append(only, c.Name)
		}
	}
	p := startPrism(t, prismBin, sb.URL(), false)
	code, out, errs := cliRunFor(t, 8*time.Minute, vars, "contract", "--target", p.url, "--fixtures", fixtures,
		"--only", strings.Join(only, ","))
	log := p.stop()
	k := prismKinds(log)
	t.Logf("contract through Prism (%d checks): exit %d; Prism forwarded %d requests; its own answers: %v",
		len(only), code, strings.Count(log, "Forwarding"), k)
	assert.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.NotContains(t, out, "FAIL")
	assert.Zero(t, k["VIOLATIONS"], "Prism found answers of the sandbox violating docs/openapi.yaml:\n%s", log)
	assert.Zero(t, k["violation"], log)
	for kind := range k {
		// Prism checks the apikey's presence and the method itself, even
		// without request validation: G2/G3's requests without a key and
		// G1's GETs are answered by it (401, 405), as the suite tolerates.
		assert.Contains(t, []string{"UNAUTHORIZED", "NO_METHOD_MATCHED_ERROR"}, kind, log)
	}
	assert.Greater(t, strings.Count(log, "has returned 422"), 20, "refusals went through Prism")

	// A short load run; requests and answers validated.
	p = startPrism(t, prismBin, sb.URL(), true)
	code, out, errs = cliRunFor(t, 3*time.Minute, vars, "load", "--target", p.url, "--fixtures", fixtures,
		"--scenario", relaxedCheckout(t), "--rate", "10/s", "--duration", "2s")
	log = p.stop()
	k = prismKinds(log)
	t.Logf("load through Prism: exit %d; Prism forwarded %d requests; its own answers: %v",
		code, strings.Count(log, "Forwarding"), k)
	assert.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Empty(t, k, "Prism found requests or answers violating docs/openapi.yaml:\n%s", log)
	assert.Greater(t, strings.Count(log, "Forwarding"), 20, log)

	// The fault: Prism reports it. (loyalcheck's own catching of it is
	// TestLoadFailures' and the contract's fault tests' business; through
	// Prism it sees Prism's 500s instead of the faulty answers.)
	faulty, fxFaulty := prismSandbox(t, sandbox.WithFaults("photo-number"))
	fx := mustFixtures(t, fxFaulty)
	p = startPrism(t, prismBin, faulty.URL(), true)
	code, _, _ = cliRunFor(t, 3*time.Minute, vars, "contract", "--target", p.url, "--fixtures", fxFaulty, "--only", "s6-optional-fields")
	body, err := json.Marshal(api.SearchRequest{Search: fx.Clients[0].SearchKey(), Point: fx.Points[0]})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, p.url+api.EpSearch.Path(), bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("apikey", api.SandboxAPIKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	log = p.stop()
	k = prismKinds(log)
	t.Logf("contract --only s6-optional-fields through Prism on the photo-number fault: exit %d; Prism forwarded %d requests; its own answers: %v",
		code, strings.Count(log, "Forwarding"), k)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("sl-violations"), `"location":["response","body","client","photo"]`)
	assert.Positive(t, k["VIOLATIONS"], log)
	t.Logf("the Prism test took %s", time.Since(t0).Round(time.Second))
}

// prismSandbox starts a sandbox on a loopback port and writes its
// fixtures file.
func prismSandbox(t *testing.T, opts ...sandbox.Option) (*sandbox.Sandbox, string) {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), append([]sandbox.Option{sandbox.WithClients(40)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { sb.Close() })
	return sb, writeFixtures(t, sb.Fixtures())
}

func mustFixtures(t *testing.T, path string) *api.Fixtures {
	t.Helper()
	fx, err := api.ReadFixtures(path)
	require.NoError(t, err)
	return fx
}

// cliRunFor is cliRun with a bound of d.
func cliRunFor(t *testing.T, d time.Duration, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	code = run(ctx, e, args)
	return code, out.String(), errb.String()
}

// prismEnd matches the log line of a request Prism answered itself
// instead of passing the upstream's answer on, and names why.
var prismEnd = regexp.MustCompile(`Request terminated with error: \S*#([A-Z_]+)`)

// prismKinds counts the requests Prism answered itself by reason
// (VIOLATIONS: a request or answer that breaks the document, with
// --errors; UNPROCESSABLE_ENTITY: an invalid request; UNAUTHORIZED, ...),
// and under "violation" any line reporting a violation otherwise.
func prismKinds(log string) map[string]int {
	k := map[string]int{}
	for _, line := range strings.Split(log, "\n") {
		if m := prismEnd.FindStringSubmatch(line); m != nil {
			k[m[1]]++
		} else if strings.Contains(strings.ToLower(line), "violation") {
			k["violation"]++
		}
	}
	return k
}

// prismProc is a running `prism proxy`.
type prismProc struct {
	url  string
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}
	once sync.Once
}

// startPrism runs `prism proxy docs/openapi.yaml UPSTREAM --errors` on a
// free loopback port and waits until it listens. It is killed at the
// test's end at the latest.
func startPrism(t *testing.T, bin, upstream string, validateRequests bool) *prismProc {
	t.Helper()
	port := freePort(t)
	args := []string{"proxy", "docs/openapi.yaml", upstream, "--errors",
		"--host", "127.0.0.1", "--port", strconv.Itoa(port)}
	if !validateRequests {
		args = append(args, "--validate-request=false")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	p := &prismProc{url: fmt.Sprintf("http://127.0.0.1:%d", port), log: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, bin, args...)
	p.cmd.Dir = repoFile()
	p.cmd.Env = toolEnv()
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	p.cmd.WaitDelay = 5 * time.Second
	require.NoError(t, p.cmd.Start())
	go func() { _ = p.cmd.Wait(); cancel(); close(p.done) }()
	t.Cleanup(func() { p.stop() })

	// Prism prints this line once it accepts connections; starting takes
	// a few seconds of node, longer on a busy machine.
	const ready = "Prism is listening on"
	deadline := time.After(2 * time.Minute)
	for !strings.Contains(p.log.String(), ready) {
		select {
		case <-p.done:
			t.Fatalf("prism exited before listening:\n%s", p.log.String())
		case <-deadline:
			t.Fatalf("prism did not listen within 2 minutes:\n%s", p.log.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return p
}

// stop kills Prism (once) and returns its log.
func (p *prismProc) stop() string {
	p.once.Do(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p.log.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}
