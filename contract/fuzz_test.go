package contract

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/schemas"
)

// FuzzObserveAnswer judges arbitrary answers (endpoint, status, body) the
// way every check's call does: the error-body reading, the lenient decoding
// of a 200, the key-refusal test, the schema judgement and the ledger. It
// is deterministic, fails closed (an answer the schemas reject becomes a
// failed finding) and its findings, evidence included, encode to JSON for
// run.json.
func FuzzObserveAnswer(f *testing.F) {
	v, err := schemas.New()
	require.NoError(f, err)
	c, err := api.NewClient("http://127.0.0.1:9")
	require.NoError(f, err)
	fx := &api.Fixtures{Points: []string{"p1"}, Clients: []api.FixtureClient{{Phone: "79200000001"}}}
	eps := api.Endpoints()
	requests := map[api.Endpoint]string{
		api.EpSearch:  `{"search":"79200000001","point":"p1"}`,
		api.EpRecalc:  `{"client":"a1","point":"p1","amount":100}`,
		api.EpHold:    `{"client":"a1","point":"p1","amount":10}`,
		api.EpRelease: `{"id":"h1"}`,
		api.EpRetail:  `{"client":"a1","point":"p1","amount":100,"spend":10,"hold":["h1"]}`,
	}
	for _, s := range []struct {
		ep     uint8
		status int
		body   string
	}{
		{0, 200, `{"success":true,"client":{"id":"a1","name":"I","level":{"id":"l","title":"T","percent":10,"type":"cashback","maxSpendPercent":50},"phone":79200000001,"balance":878}}`},
		{1, 200, `{"success":true,"recalc":{"amount":"100","percent":10,"type":"cashback","spend":50,"earn":0}}`},
		{2, 200, `{"success":true,"held":{"id":"h1","until":1704045600,"amount":10}}`},
		{2, 200, `{"success":true,"held":{"id":7,"until":"soon","amount":10}}`},
		{3, 200, `{"success":true}`},
		{4, 200, `{"success":true,"retail":{"amount":100,"total":90,"percent":10,"type":"cashback","spend":10}}`},
		{0, 422, `{"client":"Client not found."}`}, {0, 401, `{"apikey":"Wrong key."}`},
		{4, 422, `{"success":false}`}, {1, 500, "<html>\xff</html>"}, {3, 200, `{"success":true} {}`},
	} {
		f.Add(s.ep, s.status, []byte(s.body))
	}
	judge := func(t *testing.T, ex *api.Exchange) ([]Finding, *reply, string) {
		s := newSuite(c, fx, &config{validator: v})
		s.observe(ex, nil)
		s.flushSchema()
		r := &reply{Ex: ex}
		if ex.Status != http.StatusOK {
			r.Fields, r.Shaped = api.ParseErrorBody(ex.Body)
		}
		if a := decodeOK(r); a != nil {
			_ = isTrue(a.Success)
		}
		require.NotEmpty(t, r.Describe())
		return s.findings, r, keyRefusal(ex, nil)
	}
	f.Fuzz(func(t *testing.T, which uint8, status int, body []byte) {
		ep := eps[int(which)%len(eps)]
		if status < 200 || status > 599 {
			status = 200 + (status%400+400)%400
		}
		ex := &api.Exchange{Endpoint: ep, URL: "http://127.0.0.1:9" + ep.Path(), Request: []byte(requests[ep]),
			Status: status, Body: body, KeySent: "configured"}
		found, r, refusal := judge(t, ex)
		found2, r2, refusal2 := judge(t, ex)
		require.Equal(t, found, found2)
		require.Equal(t, r, r2)
		require.Equal(t, refusal, refusal2)
		if len(v.Response(ep, status, body)) > 0 {
			failed := false
			for _, fd := range found {
				failed = failed || fd.Status == Fail
			}
			require.True(t, failed, "a body its schema rejects raised no failure: %d %s", status, body)
		}
		out, err := json.Marshal(found)
		require.NoError(t, err)
		require.True(t, json.Valid(out))
	})
}
