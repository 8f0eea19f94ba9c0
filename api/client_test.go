package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
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
			}, "/integration/general/client", 79200000001.0},
		{"recalc", `{"success":true,"recalc":{"amount":100,"percent":10,"type":"cashback","spend":50,"earn":10}}`,
			func(c *Client) (any, *Exchange, error) {
				r, ex, err := c.Recalc(ctx, RecalcRequest{Client: "a1", Point: "p", Amount: 100})
				return r.Recalc.Spend, ex, err
			}, "/integration/general/recalc", 50.0},
		{"hold", `{"success":true,"held":{"id":"h1","until":1704045600,"amount":100}}`,
			func(c *Client) (any, *Exchange, error) {
				r, ex, err := c.Hold(ctx, HoldRequest{Client: "a1", Point: "p", Amount: 100})
				return r.Held.Until, ex, err
			}, "/integration/general/bonuses/hold", 1704045600.0},
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
	// A body over the cap is an answer, cut and marked, not "no answer".
	ex, err := c.Do(context.Background(), EpRelease, []byte(`{}`))
	require.NoError(t, err)
	assert.True(t, ex.Truncated)
	assert.Equal(t, 200, ex.Status)
	assert.Len(t, ex.Body, 64)
	// The typed call cannot decode it: a DecodeError naming the cap.
	_, _, err = c.Release(context.Background(), ReleaseRequest{ID: "h"})
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.ErrorIs(t, err, ErrBodyTooLarge)
	assert.False(t, IsTransport(err))

	// Exactly the cap is a whole body.
	c = newTestClient(t, &echoServer{status: 200, body: `{"success":true}`}, WithMaxBody(16))
	ex, err = c.Do(context.Background(), EpRelease, []byte(`{}`))
	require.NoError(t, err)
	assert.False(t, ex.Truncated)
	assert.Equal(t, `{"success":true}`, string(ex.Body))
}

// A gzip bomb is cut at the cap on its decoded size: the client reads a
// MiB of a body that inflates to 64 MiB, and judges what it read.
func TestClientGzipBombIsCapped(t *testing.T) {
	bomb := gzipBomb(t, 64<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, WithAPIKey("k"))
	require.NoError(t, err)
	ex, err := c.Do(context.Background(), EpSearch, []byte(`{}`))
	require.NoError(t, err)
	assert.True(t, ex.Truncated)
	assert.Len(t, ex.Body, DefaultMaxBody)
	assert.True(t, strings.HasPrefix(string(ex.Body), `{"success":true,"pad":"    `))
}

// gzipBomb returns a gzip stream of a JSON object padded to size bytes.
func gzipBomb(t testing.TB, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	require.NoError(t, err)
	io.WriteString(zw, `{"success":true,"pad":"`)
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	for n := 0; n < size; n += len(chunk) {
		_, err := zw.Write(chunk)
		require.NoError(t, err)
	}
	io.WriteString(zw, `"}`)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// keyRecorder is a second server that counts requests carrying an apikey
// header: where a redirect would have sent the key.
type keyRecorder struct {
	srv  *httptest.Server
	hits atomic.Int64
}

func newKeyRecorder(t *testing.T) *keyRecorder {
	k := &keyRecorder{}
	k.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("apikey") != "" {
			k.hits.Add(1)
		}
		io.WriteString(w, `{"success":true}`)
	}))
	t.Cleanup(k.srv.Close)
	return k
}

func redirectTo(status int, to string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", to+r.URL.Path)
		w.WriteHeader(status)
	})
}

func TestClientNeverFollowsRedirects(t *testing.T) {
	rec := newKeyRecorder(t)
	host := strings.TrimPrefix(rec.srv.URL, "http://")
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, tls := range []bool{false, true} {
			h := redirectTo(status, rec.srv.URL)
			srv := httptest.NewUnstartedServer(h)
			var opts []Option
			if tls {
				srv.StartTLS() // an https target redirecting to plain http
				opts = append(opts, WithTLSConfig(trusting(srv)))
			} else {
				srv.Start()
			}
			t.Cleanup(srv.Close)
			c, err := NewClient(srv.URL, append(opts, WithAPIKey("k-secret"))...)
			require.NoError(t, err)
			ex, err := c.Do(context.Background(), EpRetail, []byte(`{}`))
			require.NoError(t, err, "a redirect is an answer")
			assert.Equal(t, status, ex.Status)
			assert.True(t, ex.IsRedirect())
			assert.Equal(t, host, ex.Redirect)
			for _, m := range []string{http.MethodGet, http.MethodPut} {
				ex, err = c.Do(context.Background(), EpSearch, nil, WithMethod(m))
				require.NoError(t, err)
				assert.Equal(t, status, ex.Status, m)
				assert.Equal(t, m, ex.Method)
			}
			_, _, err = c.Search(context.Background(), SearchRequest{Search: "1", Point: "p"})
			se, ok := AsStatus(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, host, se.Redirect)
			assert.Contains(t, err.Error(), fmt.Sprintf("HTTP %d redirect to %s (not followed)", status, host))
			assert.NotContains(t, err.Error(), "k-secret")
		}
	}
	assert.Zero(t, rec.hits.Load(), "a request carrying the apikey reached the redirect's host")

	// A redirect without a Location still names that.
	c := newTestClient(t, &echoServer{status: 302, body: ``})
	ex, err := c.Do(context.Background(), EpSearch, []byte(`{}`))
	require.NoError(t, err)
	assert.Equal(t, "(no Location)", ex.Redirect)
}

// trusting returns a TLS config trusting the test server's certificate.
func trusting(srv *httptest.Server) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return &tls.Config{RootCAs: pool}
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

	for _, bad := range []string{`{}`, `{"points":["p"]}`, `{"points":[""],"clients":[{"phone":"1"}]}`, `{"points":["p"],"clients":[{}]}`, `{"points":["p"],"clients":[{"phone":"1"}],"extra":1}`, `{"points":["p"],"clients":[{"phone":"1"}]} {"points":["q"]}`, `{"points":["p"],"clients":[{"phone":"1"}]}]`, `nope`} {
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

// The Client is the one place the product builds an HTTP client or sends a
// request: anywhere else one could follow redirects (with the apikey) or
// skip certificate checks. Test files may build their own.
func TestNoOtherHTTPClient(t *testing.T) {
	banned := regexp.MustCompile(`http\.(Client\{|DefaultClient|DefaultTransport|Transport\{|Get\(|Head\(|Post\(|PostForm\()`)
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	seen := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		seen++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		for _, m := range banned.FindAllString(string(b), -1) {
			if rel != filepath.Join("api", "client.go") {
				t.Errorf("%s builds or uses an HTTP client of its own (%s): go through api.Client", rel, m)
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, seen, 20, "walked the module's sources")
}
