package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echoServer answers each endpoint with a canned status and body and
// records what it received.
type echoServer struct {
	status  int
	body    string
	delay   time.Duration
	gotKey  []string
	gotPath string
	gotBody []byte
}

func (s *echoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.gotKey = r.Header.Values("apikey")
	s.gotPath = r.URL.Path
	s.gotBody, _ = io.ReadAll(r.Body)
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(s.status)
	io.WriteString(w, s.body)
}

func newTestClient(t *testing.T, s *echoServer, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, append([]Option{WithAPIKey("k-123")}, opts...)...)
	require.NoError(t, err)
	return c
}

func TestClientTypedCalls(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		body string
		call func(c *Client) (any, *Exchange, error)
		path string
		want any
	}{
		{"search", `{"success":true,"client":{"id":"a1","name":"N","level":{"id":"l","title":"T","percent":10,"type":"cashback","maxSpendPercent":50},"phone":79200000001,"balance":878}}`,
			func(c *Client) (any, *Exchange, error) {
				r, ex, err := c.Search(ctx, SearchRequest{Search: "79200000001", Point: "p"})
				return r.Client.Phone, ex, err
			}, "/integration/general/client", int64(79200000001)},
		{"recalc", `{"success":true,"recalc":{"amount":100,"percent":10,"type":"cashback","spend":50,"earn":10}}`,
			func(c *Client) (any, *Exchange, error) {
				r, ex, err := c.Recalc(ctx, RecalcRequest{Client: "a1", Point: "p", Amount: 100})
				return r.Recalc.Spend, ex, err
			}, "/integration/general/recalc", 50.0},
		{"hold", `{"success":true,"held":{"id":"h1","until":1704045600,"amount":100}}`,
			func(c *Client) (any, *Exchange, error) {
				r, ex, err := c.Hold(ctx, HoldRequest{Client: "a1", Point: "p", Amount: 100})
				return r.Held.Until, ex, err
			}, "/integration/general/bonuses/hold", int64(1704045600)},
		{"release", `{"success":true}`,
			func(c *Client) (any, *Exchange, error) {
				r, ex, err := c.Release(ctx, ReleaseRequest{ID: "h1"})
				return r.Success, ex, err
			}, "/integration/general/bonuses/release", true},
		{"retail accrue", `{"success":true,"retail":{"amount":100,"total":100,"percent":10,"type":"cashback","earn":10}}`,
			func(c *Client) (any, *Exchange, error) {
				r, ex, err := c.Retail(ctx, RetailRequest{Client: "a1", Point: "p", Amount: 100})
				return [2]float64{r.Retail.EarnValue(), r.Retail.SpendValue()}, ex, err
			}, "/integration/general/retail", [2]float64{10, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &echoServer{status: 200, body: tt.body}
			c := newTestClient(t, s)
			got, ex, err := tt.call(c)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.path, s.gotPath)
			assert.Equal(t, []string{"k-123"}, s.gotKey)
			assert.Equal(t, 200, ex.Status)
			assert.JSONEq(t, tt.body, string(ex.Body))
			assert.Equal(t, s.gotBody, ex.Request)
			assert.True(t, json.Valid(ex.Request))
			assert.Equal(t, "configured", ex.KeySent)
		})
	}
}

func TestClientKeepsRawBodyOnWrongType(t *testing.T) {
	// phone as a string must not be hidden by decoding: the caller gets a
	// DecodeError and the verbatim body.
	body := `{"success":true,"client":{"id":"a1","phone":"79200000001","balance":1}}`
	c := newTestClient(t, &echoServer{status: 200, body: body})
	_, ex, err := c.Search(context.Background(), SearchRequest{Search: "x", Point: "p"})
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, body, string(ex.Body))
	assert.Equal(t, body, string(de.Body))
}

func TestClientStatusError(t *testing.T) {
	c := newTestClient(t, &echoServer{status: 422, body: `{"client":"Client not found."}`})
	_, ex, err := c.Search(context.Background(), SearchRequest{Search: "x", Point: "p"})
	se, ok := AsStatus(err)
	require.True(t, ok, "want StatusError, got %v", err)
	assert.Equal(t, 422, se.Status)
	assert.True(t, se.Has("client"))
	assert.Equal(t, "Client not found.", se.Fields["client"])
	assert.Equal(t, 422, ex.Status)
	assert.Contains(t, err.Error(), "client: Client not found.")
	assert.False(t, IsTransport(err))
}

func TestClientCallOptionsKey(t *testing.T) {
	s := &echoServer{status: 200, body: `{"success":true}`}
	c := newTestClient(t, s)
	ex, err := c.Do(context.Background(), EpRelease, []byte(`{"id":"x"}`), WithoutKey())
	require.NoError(t, err)
	assert.Empty(t, s.gotKey)
	assert.Equal(t, "none", ex.KeySent)
	ex, err = c.Do(context.Background(), EpRelease, []byte(`{"id":"x"}`), WithKey("wrong"))
	require.NoError(t, err)
	assert.Equal(t, []string{"wrong"}, s.gotKey)
	assert.Equal(t, "other", ex.KeySent)
	// The exchange never carries the key itself.
	b, err := json.Marshal(ex)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "k-123")
}

func TestClientBodyCap(t *testing.T) {
	c := newTestClient(t, &echoServer{status: 200, body: `{"success":true,"pad":"` + strings.Repeat("x", 200) + `"}`}, WithMaxBody(64))
	ex, err := c.Do(context.Background(), EpRelease, []byte(`{}`))
	require.Error(t, err)
	assert.True(t, IsTransport(err))
	assert.ErrorIs(t, err, ErrBodyTooLarge)
	assert.Len(t, ex.Body, 64)
}

func TestClientTimeoutAndUnreachable(t *testing.T) {
	c := newTestClient(t, &echoServer{status: 200, body: `{}`, delay: 200 * time.Millisecond}, WithTimeout(20*time.Millisecond))
	_, err := c.Do(context.Background(), EpSearch, []byte(`{}`))
	require.Error(t, err)
	assert.True(t, IsTransport(err))
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)

	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c2, err := NewClient(url)
	require.NoError(t, err)
	_, err = c2.Do(context.Background(), EpSearch, []byte(`{}`))
	require.Error(t, err)
	assert.True(t, IsTransport(err))
	assert.Contains(t, err.Error(), "search:")
}

func TestNewClientRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "ftp://x", "http://", "://bad", "http://?apikey=x", "http://h/?apikey=x", "http://h/#x"} {
		_, err := NewClient(u)
		assert.Error(t, err, u)
	}
	_, err := NewClient("http://user:s3cret@h/")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cret")
}

func TestParseErrorBody(t *testing.T) {
	tests := []struct {
		body   string
		ok     bool
		fields map[string]string
	}{
		{`{"client":"Client not found."}`, true, map[string]string{"client": "Client not found."}},
		{`{"spend":"Spend can't be more 100","success":false}`, true, map[string]string{"spend": "Spend can't be more 100"}},
		{`{"success":true,"spend":"x"}`, false, map[string]string{"spend": "x"}},
		{`{"code":17,"spend":"x"}`, false, map[string]string{"spend": "x"}},
		{`{}`, false, map[string]string{}},
		{`{"success":false}`, false, map[string]string{}},
		{`["client"]`, false, nil},
		{`Client not found.`, false, nil},
	}
	for _, tt := range tests {
		fields, ok := ParseErrorBody([]byte(tt.body))
		assert.Equal(t, tt.ok, ok, tt.body)
		assert.Equal(t, tt.fields, fields, tt.body)
	}
}

func TestFixturesRoundTrip(t *testing.T) {
	f := &Fixtures{Points: []string{"p1"}, Clients: []FixtureClient{{Phone: "79200000001", Card: "c", Code: "x", Type: TypeCashback}}}
	path := t.TempDir() + "/f.json"
	require.NoError(t, f.WriteFile(path))
	got, err := ReadFixtures(path)
	require.NoError(t, err)
	assert.Equal(t, f, got)

	for _, bad := range []string{`{}`, `{"points":["p"]}`, `{"points":[""],"clients":[{"phone":"1"}]}`, `{"points":["p"],"clients":[{}]}`, `{"points":["p"],"clients":[{"phone":"1"}],"extra":1}`, `nope`} {
		_, err := ParseFixtures([]byte(bad))
		assert.Error(t, err, bad)
	}
	assert.Equal(t, "c", FixtureClient{Card: "c", Code: "x"}.SearchKey())
}

func TestEndpoints(t *testing.T) {
	for _, e := range Endpoints() {
		assert.True(t, e.Valid())
		got, ok := EndpointForPath(e.Path())
		assert.True(t, ok)
		assert.Equal(t, e, got)
	}
	assert.False(t, Endpoint("nope").Valid())
}

func TestNewClientNamesAMissingScheme(t *testing.T) {
	for _, u := range []string{"127.0.0.1:1", "localhost:8080", "loyalty.example/api", "ftp://x"} {
		_, err := NewClient(u)
		require.Error(t, err, u)
		assert.Contains(t, err.Error(), "target must be an http(s) URL", u)
		assert.NotContains(t, err.Error(), "first path segment", u)
	}
}

func TestFixturesErrorsSayWhere(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"syntax", "{\n  \"points\": [\"p\"],\n  \"clients\": [{\"phone\": \"1\",}]\n}", "line 3, col 30 (offset 50)"},
		{"type", "{\"points\": [\"p\"],\n \"clients\": [{\"phone\": 79200000001}]}", "line 2, col 35 (offset 52)"},
		{"unknown field", "{\"points\": [\"p\"],\n \"clients\": [{\"phone\": \"1\", \"tpye\": \"x\"}]}", "line 2, col 43"},
		{"trailing data", "{\"points\": [\"p\"], \"clients\": [{\"phone\": \"1\"}]}\n{}", "line 2, col 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "fx.json")
			require.NoError(t, os.WriteFile(path, []byte(tt.doc), 0o644))
			_, err := ReadFixtures(path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
