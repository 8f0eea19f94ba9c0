package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/sandbox"
)

var listeningLine = regexp.MustCompile(`^listening on (http://127\.0\.0\.1:[0-9]+)$`)

// child is `loyalcheck sandbox` running as a separate process.
type child struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	stdout *bufio.Reader
	stderr *syncBuffer
	waited chan error
}

// startChild starts `loyalcheck sandbox ARGS...` and waits for its
// listening line.
func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(withoutEnv(os.Environ(), api.APIKeyEnv), childEnv+"=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	c := &child{t: t, cmd: cmd, stdout: bufio.NewReader(out), stderr: &syncBuffer{}, waited: make(chan error, 1)}
	cmd.Stderr = c.stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill() //nolint:errcheck
			<-c.waited
		}
	})

	line := make(chan string, 1)
	go func() {
		s, _ := c.stdout.ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		m := listeningLine.FindStringSubmatch(strings.TrimSuffix(s, "\n"))
		require.NotNil(t, m, "first stdout line %q; stderr: %s", s, c.stderr)
		c.url = m[1]
	case <-time.After(60 * time.Second):
		t.Fatalf("no listening line; stderr: %s", c.stderr)
	}
	go func() { c.waited <- cmd.Wait() }()
	return c
}

// stop sends sig and returns the exit code and whatever else the child
// printed on stdout.
func (c *child) stop(sig os.Signal) (int, string) {
	c.t.Helper()
	require.NoError(c.t, c.cmd.Process.Signal(sig))
	rest, _ := io.ReadAll(c.stdout)
	select {
	case <-c.waited:
	case <-time.After(30 * time.Second):
		c.t.Fatalf("child did not exit after %v", sig)
	}
	return c.cmd.ProcessState.ExitCode(), string(rest)
}

func (c *child) client(t *testing.T) *api.Client {
	cl, err := api.NewClient(c.url, api.WithAPIKey(api.SandboxAPIKey), api.WithTimeout(10*time.Second))
	require.NoError(t, err)
	return cl
}

func withoutEnv(env []string, key string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSandboxCommandSignals: one listening line on stdout and nothing else;
// SIGTERM and SIGINT both exit 0.
func TestSandboxCommandSignals(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			c := startChild(t, "--db", filepath.Join(t.TempDir(), "s.db"), "--clients", "5")
			r, _, err := c.client(t).Release(context.Background(), api.ReleaseRequest{ID: "x"})
			require.NoError(t, err)
			assert.True(t, r.Success)
			code, rest := c.stop(sig)
			assert.Equal(t, 0, code, "stderr: %s", c.stderr)
			assert.Empty(t, rest, "stdout after the listening line")
		})
	}
}

// TestSandboxCommandDurability: every acknowledged operation survives a
// SIGKILL in the middle of a load, in the journal and in the balances.
func TestSandboxCommandDurability(t *testing.T) {
	db := filepath.Join(t.TempDir(), "durable.db")
	c := startChild(t, "--db", db, "--clients", "12", "--points", "2")
	cl := c.client(t)
	fx := func() *api.Fixtures {
		s, err := sandbox.New(sandbox.WithDB(sandbox.MemoryDB), sandbox.WithClients(12), sandbox.WithPoints(2))
		require.NoError(t, err)
		defer s.Close()
		return s.Fixtures()
	}()
	ctx := context.Background()
	ids := map[int]string{}
	for _, i := range []int{0, 4} { // the two cashback clients with points
		r, _, err := cl.Search(ctx, api.SearchRequest{Search: fx.Clients[i].Phone, Point: fx.Points[0]})
		require.NoError(t, err, "the fixtures of a seed are the same in and out of process")
		ids[i] = r.Client.ID
	}

	type ack struct {
		client      string
		amount      float64
		spend, earn int64
	}
	var (
		mu   sync.Mutex
		acks []ack
		wg   sync.WaitGroup
	)
	enough := make(chan struct{})
	var once sync.Once
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := []int{0, 4}[w%2]
			for n := 0; ; n++ {
				// A unique amount per request names it in the journal.
				amount := float64(1000+w*10000+n) + 0.25
				spend := int64(n % 2 * 5)
				r, _, err := cl.Retail(ctx, api.RetailRequest{Client: ids[client], Point: fx.Points[n%2], Amount: amount, Spend: float64(spend)})
				if err != nil {
					return // killed
				}
				mu.Lock()
				acks = append(acks, ack{ids[client], amount, int64(r.Retail.SpendValue()), int64(r.Retail.EarnValue())})
				if len(acks) >= 80 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(60 * time.Second):
		t.Fatal("too slow to get 80 acknowledgements")
	}
	require.NoError(t, c.cmd.Process.Kill())
	<-c.waited
	wg.Wait()
	t.Logf("%d operations acknowledged before SIGKILL", len(acks))

	// The killed process's journal, read in-process.
	s, err := sandbox.New(sandbox.WithDB(db))
	require.NoError(t, err)
	ops, err := s.Operations(ctx)
	require.NoError(t, err)
	rows, err := s.Audit(ctx)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	type key struct {
		client string
		amount float64
	}
	journal := map[key]sandbox.Operation{}
	for _, op := range ops {
		require.Equal(t, sandbox.OpRetail, op.Kind)
		journal[key{op.Client, op.Amount}] = op
	}
	assert.Len(t, journal, len(ops), "one journal entry per request")
	assert.GreaterOrEqual(t, len(ops), len(acks))
	assert.LessOrEqual(t, len(ops), len(acks)+4, "at most the requests in flight are unacknowledged")
	for _, a := range acks {
		op, ok := journal[key{a.client, a.amount}]
		if assert.True(t, ok, "acknowledged %+v missing from the journal", a) {
			assert.Equal(t, a.spend, op.Spend)
			assert.Equal(t, a.earn, op.Earn)
		}
	}
	for _, row := range rows {
		assert.True(t, row.Consistent(), "%+v", row)
	}

	// A restart on the same file serves the same balances.
	c = startChild(t, "--db", db)
	cl = c.client(t)
	for i, id := range ids {
		r, _, err := cl.Search(ctx, api.SearchRequest{Search: fx.Clients[i].Phone, Point: fx.Points[0]})
		require.NoError(t, err)
		assert.Equal(t, id, r.Client.ID)
		assert.Equal(t, float64(rows[i].Balance), r.Client.Balance)
	}
	code, _ := c.stop(syscall.SIGTERM)
	assert.Equal(t, 0, code)
}

// inProcess runs `loyalcheck ARGS...` in this process with its own
// environment and returns the exit code, stdout and stderr.
func inProcess(ctx context.Context, getenv func(string) string, args ...string) (int, string, string) {
	var out, errOut syncBuffer
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	e := &env{stdout: &out, stderr: &errOut, getenv: getenv}
	code := run(ctx, e, args)
	return code, out.String(), errOut.String()
}

// serveInProcess runs the sandbox command until the returned stop is
// called; it returns the URL it listens on.
func serveInProcess(t *testing.T, getenv func(string) string, args ...string) (url string, stop func() (int, string, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	e := &env{stdout: &out, stderr: &errOut, getenv: getenv}
	done := make(chan int, 1)
	go func() { done <- run(ctx, e, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...)) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := listeningLine.FindStringSubmatch(strings.TrimSpace(out.String())); m != nil {
			url = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("exited %d: %s", code, errOut.String())
		default:
		}
		require.True(t, time.Now().Before(deadline), "no listening line")
		time.Sleep(5 * time.Millisecond)
	}
	var once sync.Once
	var code int
	stop = func() (int, string, string) {
		once.Do(func() {
			cancel()
			code = <-done
		})
		return code, out.String(), errOut.String()
	}
	t.Cleanup(func() { stop() })
	return url, stop
}

// TestSandboxCommandFixturesOut: --fixtures-out writes the fixtures the
// sandbox serves.
func TestSandboxCommandFixturesOut(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "fixtures.json")
	url, stop := serveInProcess(t, nil, "--db", filepath.Join(dir, "s.db"), "--clients", "7", "--points", "3", "--seed", "5", "--fixtures-out", file)
	fx, err := api.ReadFixtures(file)
	require.NoError(t, err)
	assert.Len(t, fx.Points, 3)
	assert.Len(t, fx.Clients, 7)
	cl, err := api.NewClient(url, api.WithAPIKey(api.SandboxAPIKey))
	require.NoError(t, err)
	for _, c := range fx.Clients {
		for _, q := range []string{c.Phone, c.Card, c.Code} {
			r, _, err := cl.Search(context.Background(), api.SearchRequest{Search: q, Point: fx.Points[2]})
			require.NoError(t, err)
			assert.Equal(t, c.Type, r.Client.Level.Type)
		}
	}
	code, out, _ := stop()
	assert.Equal(t, 0, code)
	assert.Equal(t, 1, strings.Count(out, "\n"), "stdout: %q", out)
}

// TestSandboxCommandAPIKey: the key comes from LOYALCHECK_APIKEY and is
// never printed.
func TestSandboxCommandAPIKey(t *testing.T) {
	const key = "k-from-env-5bd1"
	getenv := func(k string) string {
		if k == api.APIKeyEnv {
			return key
		}
		return ""
	}
	url, stop := serveInProcess(t, getenv, "--db", filepath.Join(t.TempDir(), "s.db"), "--clients", "3", "--fault", "extra-fields")
	for k, want := range map[string]bool{key: true, api.SandboxAPIKey: false} {
		cl, err := api.NewClient(url, api.WithAPIKey(k))
		require.NoError(t, err)
		_, _, err = cl.Release(context.Background(), api.ReleaseRequest{ID: "x"})
		assert.Equal(t, want, err == nil, "key %q: %v", k, err)
	}
	code, out, errOut := stop()
	assert.Equal(t, 0, code)
	assert.NotContains(t, out+errOut, key)
	assert.Contains(t, errOut, "extra-fields", "faults on are announced on stderr")
}

// TestSandboxCommandReuse: an existing database is reused; explicit
// seeding flags that disagree with it are a one-line warning.
func TestSandboxCommandReuse(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	_, stop := serveInProcess(t, nil, "--db", db, "--clients", "4", "--seed", "3")
	code, _, errOut := stop()
	require.Equal(t, 0, code)
	assert.Empty(t, errOut)

	_, stop = serveInProcess(t, nil, "--db", db, "--clients", "4")
	code, _, errOut = stop()
	require.Equal(t, 0, code)
	assert.Empty(t, errOut, "no warning when the flags agree or are not given")

	_, stop = serveInProcess(t, nil, "--db", db, "--clients", "9", "--seed", "3", "--points", "2")
	code, _, errOut = stop()
	require.Equal(t, 0, code)
	assert.Equal(t, 1, strings.Count(errOut, "\n"), "%q", errOut)
	assert.Contains(t, errOut, "warning")
	assert.Contains(t, errOut, "--clients 9")
	assert.Contains(t, errOut, "--points 2")
	assert.NotContains(t, errOut, "--seed")
}

// TestSandboxCommandHelp: --help documents the flags and where the key
// comes from, on stdout, exit 0.
func TestSandboxCommandHelp(t *testing.T) {
	for _, args := range [][]string{{"sandbox", "--help"}, {"sandbox", "-h"}, {"help", "sandbox"}} {
		code, out, errOut := inProcess(context.Background(), nil, args...)
		assert.Equal(t, 0, code, args)
		assert.Empty(t, errOut)
		for _, want := range []string{"Usage: loyalcheck sandbox", "--addr", "--db", "--seed", "--clients", "--points",
			"--fixtures-out", "--fault", "--list-faults", api.APIKeyEnv, "listening on"} {
			assert.Contains(t, out, want, args)
		}
		assert.NotContains(t, out, api.SandboxAPIKey, "the key is never printed")
	}
}

// TestSandboxCommandListFaults lists every fault and quirk.
func TestSandboxCommandListFaults(t *testing.T) {
	code, out, _ := inProcess(context.Background(), nil, "sandbox", "--list-faults")
	assert.Equal(t, 0, code)
	for _, f := range sandbox.Faults() {
		assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(f.Name)+` +(fault|quirk) +`+regexp.QuoteMeta(strings.Join(f.Rules, ",")), out)
	}
}

// TestSandboxCommandBadFlags: a bad flag is one line on stderr, exit 2.
func TestSandboxCommandBadFlags(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--clients", "0"},
		{"--clients", "x"},
		{"--points", "100000"},
		{"--fault", "no-such-fault"},
		{"--addr", "nonsense"},
		{"--bogus"},
		{"extra-arg"},
		{"--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "missing", "s.db")},
		{"--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "s.db"), "--fixtures-out", filepath.Join(dir, "missing", "f.json")},
	} {
		code, out, errOut := inProcess(context.Background(), nil, append([]string{"sandbox"}, args...)...)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.Empty(t, out, "%v", args)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), "%v: %q", args, errOut)
		assert.True(t, strings.HasPrefix(errOut, "loyalcheck sandbox: "), "%v: %q", args, errOut)
	}
}

// TestSandboxCommandAddrInUse: a busy port is a clear error, exit 2.
func TestSandboxCommandAddrInUse(t *testing.T) {
	url, _ := serveInProcess(t, nil, "--db", filepath.Join(t.TempDir(), "a.db"), "--clients", "2")
	addr := strings.TrimPrefix(url, "http://")
	code, out, errOut := inProcess(context.Background(), nil, "sandbox", "--addr", addr, "--db", filepath.Join(t.TempDir(), "b.db"))
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "address already in use", fmt.Sprint(errOut))
}
