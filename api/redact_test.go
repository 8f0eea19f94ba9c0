package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/internal/keyforms"
)

// assertNoForm fails if any spelling of key is in s.
func assertNoForm(t *testing.T, key, s string) {
	t.Helper()
	for name, f := range keyforms.Of(key) {
		assert.NotContains(t, s, f, "the %s key in %q", name, s)
	}
}

func TestRedactorTextEveryForm(t *testing.T) {
	for _, key := range []string{"sandbox-local-key", "K3y_with/slash+plus=eq ü", "0123456789", `50%&#key"\x`} {
		r := NewRedactor(key)
		for name, f := range keyforms.Of(key) {
			t.Run(key+"/"+name, func(t *testing.T) {
				in := "before (apikey " + f + ") and glued" + f + "after"
				got := r.Text(in)
				assertNoForm(t, key, got)
				assert.Equal(t, 2, strings.Count(got, Redacted), got)
				assert.True(t, strings.HasPrefix(got, "before (apikey "), got)
				assert.Equal(t, got, r.OutputString(in), "the output safety net takes a long key in every form too")
			})
		}
	}
}

func TestRedactorBodyKeepsJSONValid(t *testing.T) {
	const key = "sandbox-local-key"
	r := NewRedactor(key)
	for name, f := range keyforms.Of(key) {
		t.Run(name, func(t *testing.T) {
			// f is written into the JSON text as it is: a \u form is an
			// escape the decoder resolves to the key itself.
			in := []byte(`{"client":"Client not found. (apikey ` + f + `)","` + f + `":1,"list":["` + f + `"]}`)
			if !json.Valid(in) {
				t.Skip("not valid inside a JSON string")
			}
			got := r.Body(in)
			require.True(t, json.Valid(got), "%s", got)
			assertNoForm(t, key, string(got))
			var m map[string]any
			require.NoError(t, json.Unmarshal(got, &m))
			assert.Equal(t, "Client not found. (apikey [redacted])", m["client"])
			assert.Contains(t, m, Redacted, "a field name echoing the key goes too")
			assert.Equal(t, []any{Redacted}, m["list"])
		})
	}
}

func TestRedactorBodyLeavesCleanBodiesAlone(t *testing.T) {
	r := NewRedactor("sandbox-local-key")
	for _, in := range []string{
		`{"success":true,"client":{"balance":1200,"name":"Anna \u00e9"}}`,
		`<html>no key here</html>`,
		``,
	} {
		assert.Equal(t, in, string(r.Body([]byte(in))))
	}
	// A bare percent sign cannot escape a key's character: such an answer
	// is passed over without parsing it (every answer of a load run
	// passes here), while a %XX escape is looked into.
	assert.False(t, r.long.maybe([]byte(`{"title":"Скидка 10%","pct":"5 %"}`)))
	assert.True(t, r.long.maybe([]byte(`{"x":"%73andbox"}`)))
	assert.Equal(t, `{"x":"[redacted]"}`, string(r.Body([]byte(`{"x":"%73andbox-local-key"}`))))
}

func TestRedactorNumericKeyInAJSONNumber(t *testing.T) {
	r := NewRedactor("12345678")
	got := r.Body([]byte(`{"a":9123456789,"b":42}`))
	assert.JSONEq(t, `{"a":"[redacted]","b":42}`, string(got))
}

// A one-letter key is inside the product's own words and figures; only a
// whole-token echo in outside data is the key.
func TestRedactorShortKey(t *testing.T) {
	r := NewRedactor("k")
	assert.Equal(t, "cashback asked_rate peak_in_flight", r.Text("cashback asked_rate peak_in_flight"))
	assert.Equal(t, "Client not found. (apikey [redacted])", r.Text("Client not found. (apikey k)"))
	assert.Equal(t, "apikey=[redacted]&x", r.Text("apikey=%6B&x"))
	assert.Equal(t, "hdr: [redacted]", r.Text(`hdr: \u006B`))
	assert.Equal(t, "b64 [redacted]", r.Text("b64 aw=="))

	body := []byte(`{"asked_rate":1,"peak_in_flight":2,"client":"Client not found. (apikey k)","kind":"cashback"}`)
	got := r.Body(body)
	assert.JSONEq(t, `{"asked_rate":1,"peak_in_flight":2,"client":"Client not found. (apikey [redacted])","kind":"cashback"}`, string(got))

	for _, out := range []string{"cashback k", `{"asked_rate":1,"k":"k"}`} {
		assert.Equal(t, out, r.OutputString(out), "the output net leaves a short key alone")
	}
	var buf bytes.Buffer
	assert.Same(t, &buf, r.Writer(&buf).(*bytes.Buffer), "no wrapper for a short key")
}

func TestRedactorOutputJSONLeavesNamesAndFiguresIntact(t *testing.T) {
	const key = "sandbox-local-key"
	r := NewRedactor(key)
	in := `{"asked_rate":12.5,"msg":"echo \u0073andbox-local-key","peak_in_flight":3}`
	got := r.Output([]byte(in))
	assert.JSONEq(t, `{"asked_rate":12.5,"msg":"echo [redacted]","peak_in_flight":3}`, string(got))
}

func TestRedactorErrKeepsTheChain(t *testing.T) {
	r := NewRedactor("sandbox-local-key")
	base := fmt.Errorf("malformed answer %q: %w", "sandbox-local-key", ErrBodyTooLarge)
	err := r.Err(base)
	assert.Equal(t, `malformed answer "[redacted]": response body too large`, err.Error())
	assert.True(t, errors.Is(err, ErrBodyTooLarge))
	clean := errors.New("clean")
	assert.Same(t, clean, r.Err(clean))
	assert.NoError(t, r.Err(nil))
}

func TestRedactorWriterHoldsUntilLineEnd(t *testing.T) {
	const key = "sandbox-local-key"
	var buf bytes.Buffer
	w := NewRedactor(key).Writer(&buf)
	// The key arrives split across writes.
	for _, p := range []string{"FAIL G4 (apikey sandbox-", "local-key)", "\nprogress \\u0073andbox", "-local-key"} {
		_, err := w.Write([]byte(p))
		require.NoError(t, err)
	}
	assert.Equal(t, "FAIL G4 (apikey [redacted])\n", buf.String())
	require.NoError(t, w.(interface{ Flush() error }).Flush())
	assert.Equal(t, "FAIL G4 (apikey [redacted])\nprogress [redacted]", buf.String())
}

func TestRedactorNilAndEmpty(t *testing.T) {
	var nilR *Redactor
	assert.Equal(t, "x", nilR.Text("x"))
	assert.Equal(t, "x", string(nilR.Body([]byte("x"))))
	assert.Equal(t, "x", nilR.OutputString("x"))
	empty := NewRedactor("")
	assert.Equal(t, "x", empty.Text("x"))
	assert.Equal(t, "x", empty.OutputString("x"))
}

// The client redacts an echoed key where the answer comes in: the body,
// the error built from it, and a transport error quoting the answer.
func TestClientRedactsEchoedKey(t *testing.T) {
	const key = "client-echo-k3y-0a1b"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == EpRetail.Path() {
			// A broken HTTP answer: Go's error quotes its first bytes.
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			fmt.Fprintf(conn, "HTTP/1.1 %s\r\n\r\n", r.Header.Get("apikey"))
			conn.Close()
			return
		}
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprintf(w, `{"client":"Client not found. (apikey %s)"}`, r.Header.Get("apikey"))
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL, WithAPIKey(key))
	require.NoError(t, err)
	_, ex, err := c.Search(context.Background(), SearchRequest{Search: "1"})
	require.Error(t, err)
	assert.JSONEq(t, `{"client":"Client not found. (apikey [redacted])"}`, string(ex.Body))
	assert.Equal(t, "search: HTTP 422: client: Client not found. (apikey [redacted])", err.Error())

	_, _, err = c.Retail(context.Background(), RetailRequest{})
	require.Error(t, err)
	assert.True(t, IsTransport(err))
	assert.NotContains(t, err.Error(), key)
	assert.Contains(t, err.Error(), Redacted)
}
