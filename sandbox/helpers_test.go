package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

// t0 is where every test clock starts.
var t0 = time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)

// Client indexes of the fixed roles (fixtures.go).
const (
	cRich     = 0 // Gold 10%/100, 5000 points
	cZero     = 1 // Silver, 0 points
	cDiscount = 2 // discount 10%, stored 700
	cBare     = 3 // Bronze 5%/30, 1000 points, no optional fields
	cSilver   = 4 // Silver 7%/50, 2500 points
	cDisc5    = 5 // discount 5%, stored 300, no optional fields
)

// harness is a Server on a real loopback listener (httptest), a manual
// clock and an in-memory store.
type harness struct {
	t     testing.TB
	srv   *Server
	ts    *httptest.Server
	clock *ManualClock
	fx    *api.Fixtures
	ids   map[int]string
}

func newHarness(t testing.TB, opts ...Option) *harness {
	t.Helper()
	clock := NewManualClock(t0)
	all := append([]Option{WithDB(MemoryDB), WithClients(20), WithPoints(3), WithClock(clock)}, opts...)
	srv, err := New(all...)
	require.NoError(t, err)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		assert.NoError(t, srv.Close())
	})
	return &harness{t: t, srv: srv, ts: ts, clock: clock, fx: srv.Fixtures(), ids: map[int]string{}}
}

// answer is an HTTP answer, its body decoded with numbers kept as text so
// tests see exactly what was sent.
type answer struct {
	status int
	ctype  string
	raw    []byte
	body   map[string]any
}

// obj returns the payload object under key.
func (a answer) obj(key string) map[string]any {
	m, _ := a.body[key].(map[string]any)
	return m
}

// do sends body (a string is sent verbatim, anything else as JSON) to path
// with method and the apikey header (key "" sends none).
func (h *harness) do(method, path string, body any, key string) answer {
	h.t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		b, err = json.Marshal(v)
		require.NoError(h.t, err)
	}
	req, err := http.NewRequest(method, h.ts.URL+path, bytes.NewReader(b))
	require.NoError(h.t, err)
	if key != "" {
		req.Header.Set("apikey", key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.ts.Client().Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	a := answer{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&a.body)
	return a
}

func (h *harness) post(ep api.Endpoint, body any) answer {
	h.t.Helper()
	return h.do(http.MethodPost, ep.Path(), body, api.SandboxAPIKey)
}

// ok posts and requires a 200 success answer.
func (h *harness) ok(ep api.Endpoint, body any) answer {
	h.t.Helper()
	a := h.post(ep, body)
	require.Equal(h.t, http.StatusOK, a.status, "%s %v: %s", ep, body, a.raw)
	require.Equal(h.t, true, a.body["success"], "%s: %s", ep, a.raw)
	return a
}

// refused posts and requires a 422 whose body is exactly {key: message};
// it returns the message.
func (h *harness) refused(ep api.Endpoint, body any, key string) string {
	h.t.Helper()
	a := h.post(ep, body)
	require.Equal(h.t, http.StatusUnprocessableEntity, a.status, "%s %v: %s", ep, body, a.raw)
	require.Equal(h.t, "application/json", a.ctype)
	fields, ok := api.ParseErrorBody(a.raw)
	require.True(h.t, ok, "error body shape: %s", a.raw)
	require.Len(h.t, fields, 1, "%s", a.raw)
	msg, has := fields[key]
	require.True(h.t, has, "want key %q in %s", key, a.raw)
	return msg
}

func (h *harness) phone(i int) string { return h.fx.Clients[i].Phone }
func (h *harness) point(i int) string { return h.fx.Points[i] }

// id returns client i's id, found by search.
func (h *harness) id(i int) string {
	h.t.Helper()
	if id, ok := h.ids[i]; ok {
		return id
	}
	a := h.ok(api.EpSearch, map[string]any{"search": h.phone(i), "point": h.point(0)})
	id, ok := a.obj("client")["id"].(string)
	require.True(h.t, ok, "%s", a.raw)
	h.ids[i] = id
	return id
}

// balance returns client i's search balance, listing holds.
func (h *harness) balance(i int, holds ...string) int64 {
	h.t.Helper()
	body := map[string]any{"search": h.phone(i), "point": h.point(0)}
	if len(holds) > 0 {
		body["hold"] = holds
	}
	return num(h.t, h.ok(api.EpSearch, body).obj("client")["balance"])
}

// stored returns client i's stored balance from the audit.
func (h *harness) audit(i int) AuditRow {
	h.t.Helper()
	rows, err := h.srv.Audit(context.Background())
	require.NoError(h.t, err)
	return rows[i]
}

// snapshot is the whole observable state: the audit and the journal
// length, to show that a refused request changed nothing (G7, B5).
func (h *harness) snapshot() string {
	h.t.Helper()
	rows, err := h.srv.Audit(context.Background())
	require.NoError(h.t, err)
	ops, err := h.srv.Operations(context.Background())
	require.NoError(h.t, err)
	h.srv.mu.RLock()
	holds := len(h.srv.holds)
	h.srv.mu.RUnlock()
	return fmt.Sprintf("%v ops=%d holds=%d", rows, len(ops), holds)
}

func (h *harness) hold(i int, amount int64, extra map[string]any) string {
	h.t.Helper()
	body := map[string]any{"client": h.id(i), "point": h.point(0), "amount": amount}
	for k, v := range extra {
		body[k] = v
	}
	a := h.ok(api.EpHold, body)
	id, _ := a.obj("held")["id"].(string)
	require.NotEmpty(h.t, id)
	return id
}

// num reads a JSON number that must be an integer.
func num(t testing.TB, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	require.True(t, ok, "not a number: %#v", v)
	i, err := n.Int64()
	require.NoError(t, err, "not an integer: %s", n)
	return i
}

// fnum reads any JSON number.
func fnum(t testing.TB, v any) float64 {
	t.Helper()
	n, ok := v.(json.Number)
	require.True(t, ok, "not a number: %#v", v)
	f, err := n.Float64()
	require.NoError(t, err)
	return f
}

// merge returns base with the changes applied; a nil value deletes a key.
func merge(base map[string]any, changes map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// raw marks a value to be embedded verbatim in a JSON body.
type raw string

func (r raw) MarshalJSON() ([]byte, error) { return []byte(r), nil }
