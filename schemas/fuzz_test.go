package schemas

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

// FuzzResponse judges arbitrary answer bodies and statuses as contract and
// load do. The judgement is deterministic (the memo of valid bodies gives
// what a fresh validation gives), every violation names a path, a rule of
// the catalogue and a one-line message, and a body the schemas accept is
// one the rest of the product can read: a 200 decodes into the
// endpoint's wire type, an error body has the G4 shape.
func FuzzResponse(f *testing.F) {
	eps := api.Endpoints()
	index := map[api.Endpoint]uint8{}
	for i, ep := range eps {
		index[ep] = uint8(i)
	}
	for _, s := range []struct {
		ep     api.Endpoint
		status int
		body   string
	}{
		{api.EpSearch, 200, pageSearch}, {api.EpRecalc, 200, pageRecalc}, {api.EpHold, 200, pageHold},
		{api.EpRelease, 200, pageRelease}, {api.EpRetail, 200, pageRetailSpend}, {api.EpRetail, 200, pageRetailAccrue},
		{api.EpSearch, 422, `{"client":"Client not found."}`}, {api.EpRetail, 422, `{"spend":"Spend can't be more 100","success":false}`},
		{api.EpHold, 422, `{"success":false}`}, {api.EpRecalc, 500, `<html>oops</html>`}, {api.EpRelease, 200, `{"success":"true"}`},
		{api.EpSearch, 200, `{"success":true,"client":{"id":"1","phone":1e30}}`}, {api.EpRelease, 200, `{"success":true} {}`},
		{api.EpRelease, 200, ``}, {api.EpHold, 307, ``}, {api.EpSearch, 200, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`},
	} {
		f.Add(index[s.ep], s.status, []byte(s.body))
	}
	memo, err := New()
	require.NoError(f, err)
	fresh, err := New()
	require.NoError(f, err)
	for _, m := range []map[api.Endpoint]*Schema{fresh.resp, fresh.req} {
		for ep, s := range m {
			cp := *s
			cp.memo = nil
			m[ep] = &cp
		}
	}
	noMemo := *fresh.errBody
	noMemo.memo = nil
	fresh.errBody = &noMemo

	wire := map[api.Endpoint]func() any{
		api.EpSearch:  func() any { return new(api.SearchResponse) },
		api.EpRecalc:  func() any { return new(api.RecalcResponse) },
		api.EpHold:    func() any { return new(api.HoldResponse) },
		api.EpRelease: func() any { return new(api.ReleaseResponse) },
		api.EpRetail:  func() any { return new(api.RetailResponse) },
	}
	f.Fuzz(func(t *testing.T, which uint8, status int, body []byte) {
		ep := eps[int(which)%len(eps)]
		first := memo.Response(ep, status, body)
		require.Equal(t, first, memo.Response(ep, status, body), "memo replay")
		require.Equal(t, first, fresh.Response(ep, status, body), "memo against a fresh validation")
		for _, v := range first {
			require.NotEmpty(t, v.Path)
			require.NotEmpty(t, v.Message)
			require.NotContains(t, v.Message, "\n")
			_, known := api.RuleByID(v.Rule)
			require.True(t, known, "rule %q of %v", v.Rule, v)
		}
		if len(first) > 0 {
			return
		}
		if status == 200 {
			require.NoError(t, json.Unmarshal(body, wire[ep]()), "%s: schema-valid 200 body %s", ep, body)
			return
		}
		fields, ok := api.ParseErrorBody(body)
		require.True(t, ok, "schema-valid error body %s", body)
		require.NotEmpty(t, fields)
	})
}
