package sandbox

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/schemas"
)

// FuzzRequest sends arbitrary bodies to every endpoint of a correct
// sandbox. Whatever the body, the answer is a 200 or a 422 (never a 5xx:
// a panic answers 500), JSON, valid against the schema SPEC gives it, and
// a 422 names exactly one field (G4). In a body, $CLIENT, $DISCOUNT,
// $PHONE and $POINT stand for a real cashback client id, discount client
// id, phone and point, so the fuzzer reaches past "client not found".
func FuzzRequest(f *testing.F) {
	h := newHarness(f)
	v, err := schemas.New()
	require.NoError(f, err)
	subst := [][2]string{
		{"$CLIENT", h.id(cRich)}, {"$DISCOUNT", h.id(cDiscount)}, {"$PHONE", h.phone(cRich)}, {"$POINT", h.point(0)},
	}
	eps := api.Endpoints()
	index := map[api.Endpoint]uint8{}
	for i, ep := range eps {
		index[ep] = uint8(i)
	}
	for _, s := range []struct {
		ep   api.Endpoint
		body string
	}{
		{api.EpSearch, `{"search":"$PHONE","point":"$POINT"}`},
		{api.EpSearch, `{"search":"$PHONE","point":"$POINT","hold":["6592a940273c9184bbed945a"]}`},
		{api.EpRecalc, `{"client":"$CLIENT","point":"$POINT","amount":100}`},
		{api.EpRecalc, `{"client":"$DISCOUNT","point":"$POINT","amount":99.99}`},
		{api.EpHold, `{"client":"$CLIENT","point":"$POINT","amount":10,"duration":5}`},
		{api.EpRelease, `{"id":"6592a940273c9184bbed945a"}`},
		{api.EpRetail, `{"client":"$CLIENT","point":"$POINT","amount":100,"spend":10}`},
		{api.EpRetail, `{"client":"$CLIENT","point":"$POINT","amount":1e2,"spend":1.0,"hold":[]}`},
		{api.EpRetail, `{"client":"$CLIENT","point":"$POINT","amount":"100","spend":-1}`},
		{api.EpHold, `{"client":"$CLIENT","point":"$POINT","amount":1e400}`},
		{api.EpSearch, `{"search":null,"point":"$POINT"}`},
		{api.EpRecalc, `[1,2]`},
		{api.EpSearch, `null`},
		{api.EpSearch, ``},
		{api.EpSearch, `{"search":"$PHONE","point":"$POINT"} trailing`},
		{api.EpSearch, `{"search":"$PHONE","search":"x","point":"$POINT"}`},
	} {
		f.Add(index[s.ep], []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		ep := eps[int(which)%len(eps)]
		for _, s := range subst {
			body = bytes.ReplaceAll(body, []byte(s[0]), []byte(s[1]))
		}
		req := httptest.NewRequest(http.MethodPost, ep.Path(), bytes.NewReader(body))
		req.Header.Set("apikey", api.SandboxAPIKey)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.srv.ServeHTTP(w, req)
		got := w.Body.Bytes()
		require.Contains(t, []int{http.StatusOK, http.StatusUnprocessableEntity}, w.Code, "%s %s: %s", ep, body, got)
		require.Equal(t, "application/json", w.Header().Get("Content-Type"))
		require.Empty(t, v.Response(ep, w.Code, got), "%s %s -> %d %s", ep, body, w.Code, got)
		if w.Code == http.StatusUnprocessableEntity {
			fields, ok := api.ParseErrorBody(got)
			require.True(t, ok, "%s", got)
			require.Len(t, fields, 1, "%s", got)
		}
	})
}
