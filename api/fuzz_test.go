package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// FuzzParseFixtures: accepted fixtures are usable (Validate passes) and
// survive the round trip through the file format WriteFile writes.
func FuzzParseFixtures(f *testing.F) {
	for _, s := range []string{
		`{"points":["p1","p2"],"clients":[{"phone":"79200000001","card":"c","code":"x","type":"cashback"},{"card":"4000"}]}`,
		`{"points":["p"],"clients":[{"phone":"1"}]}`,
		`{"points":["p"],"clients":[{"phone":"1"}]} {"points":["q"]}`,
		`{"points":["p"],"clients":[{"phone":"1"}],"extra":1}`,
		`{"points":[""],"clients":[{"phone":"1"}]}`,
		`{"points":["p"],"clients":[{}]}`,
		`{"points":"p"}`, `{}`, `null`, `[]`, `nope`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fx, err := ParseFixtures(b)
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "fixtures: "), err.Error())
			return
		}
		require.NoError(t, fx.Validate())
		out, err := json.MarshalIndent(fx, "", "  ")
		require.NoError(t, err)
		again, err := ParseFixtures(out)
		require.NoError(t, err, "%s", out)
		require.Equal(t, fx, again)
	})
}

// FuzzParseErrorBody: the reading of an error body (G4/G5) is
// deterministic, "documented" only for an object with at least one
// message, and the snippets shown of any body are valid UTF-8 cut at a
// character boundary within the bound.
func FuzzParseErrorBody(f *testing.F) {
	for _, s := range []string{
		`{"client":"Client not found."}`, `{"spend":"Spend can't be more 100","success":false}`,
		`{"success":true,"spend":"x"}`, `{"code":17,"spend":"x"}`, `{}`, `{"success":false}`,
		`["client"]`, `Client not found.`, `null`, `{"a":"\u00e9\ud83d\ude00"}`, "\xff\xfe{\"a\":\"b\"}",
		`{"success":false,"client":"x","success":true}`, `<html><body>502 Bad Gateway</body></html>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fields, ok := ParseErrorBody(body)
		fields2, ok2 := ParseErrorBody(body)
		require.Equal(t, ok, ok2)
		require.Equal(t, fields, fields2)
		if ok {
			require.NotEmpty(t, fields)
			var obj map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(body, &obj))
			for k, v := range fields {
				var s string
				require.NoError(t, json.Unmarshal(obj[k], &s), k)
				require.Equal(t, s, v)
			}
		}
		for _, n := range []int{0, 1, 3, 20, 120} {
			got := Snippet(body, n)
			require.True(t, utf8.ValidString(got), "%q", got)
			if len(body) <= n {
				require.Equal(t, string(bytes.ToValidUTF8(body, []byte("?"))), got)
				continue
			}
			found := false
			for k := max(n-utf8.UTFMax+1, 0); k <= n; k++ {
				found = found || got == string(bytes.ToValidUTF8(body[:k], []byte("?")))+"…"
			}
			require.True(t, found, "Snippet(%q, %d) = %q: not a prefix of at least %d bytes", body, n, got, n-utf8.UTFMax+1)
		}
		se := &StatusError{Endpoint: EpSearch, Status: 422, Fields: fields, Body: body}
		require.NotEmpty(t, se.Error())
	})
}
