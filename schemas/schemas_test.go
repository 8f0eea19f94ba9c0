package schemas

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

func newValidator(t testing.TB) *Validator {
	t.Helper()
	v, err := New()
	require.NoError(t, err)
	return v
}

// want is one expected violation: its path and rule.
type want struct{ path, rule string }

// assertViolations checks that got holds every wanted (path, rule) pair,
// that every violation is well formed, and, with exact, nothing else.
func assertViolations(t *testing.T, got []Violation, wants []want, exact bool) {
	t.Helper()
	if len(wants) == 0 {
		assert.Empty(t, got, "expected the body to be valid")
		return
	}
	require.NotEmpty(t, got, "expected violations %v", wants)
	pairs := map[want]bool{}
	for _, v := range got {
		pairs[want{v.Path, v.Rule}] = true
		assert.NotEmpty(t, v.Path, "violation without path: %v", v)
		assert.NotEmpty(t, v.Message, "violation without message: %v", v)
		assert.NotContains(t, v.Message, "\n", "message must be one line: %v", v)
		_, ok := api.RuleByID(v.Rule)
		assert.True(t, ok, "violation names no existing rule: %v", v)
	}
	for _, w := range wants {
		assert.True(t, pairs[w], "missing violation at %s [%s]; got %v", w.path, w.rule, got)
	}
	if exact {
		for p := range pairs {
			found := false
			for _, w := range wants {
				found = found || w == p
			}
			assert.True(t, found, "unexpected violation at %s [%s]; got %v", p.path, p.rule, got)
		}
	}
}

// The vendor page's examples, in the consistent reading SPEC.md gives of
// the broken search example (maxSpendPercent inside level; phone, email and
// balance inside client).
const (
	pageSearch = `{
  "success": true,
  "client": {
    "id": "62aXXXXXXXX6",
    "name": "ИВАН",
    "photo": "https://cdn.example.com/XXXXX.jpeg",
    "birthday": "2021-03-29",
    "level": {"id": "621XXXXXf23", "title": "Бонусы", "percent": 10, "type": "cashback", "maxSpendPercent": 100},
    "phone": 79201234567,
    "email": "mail@mail.mail",
    "balance": 878
  }
}`
	pageRecalc       = `{"success": true, "recalc": {"amount": 100, "percent": 10, "type": "cashback", "spend": 100, "earn": 10}}`
	pageHold         = `{"success": true, "held": {"id": "6744684....8d193", "until": 1704045600, "amount": 100}}`
	pageRelease      = `{"success": true}`
	pageRetailSpend  = `{"success": true, "retail": {"amount": 100, "total": 0, "percent": 10, "type": "cashback", "spend": 100}}`
	pageRetailAccrue = `{"success": true, "retail": {"amount": 100, "total": 100, "percent": 10, "type": "cashback", "earn": 10}}`
)

// edit returns the JSON document doc with fn applied to its decoded form.
func edit(t *testing.T, doc string, fn func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(doc), &m))
	fn(m)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

func obj(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }

func TestResponse(t *testing.T) {
	v := newValidator(t)
	client := func(fn func(c map[string]any)) func(m map[string]any) {
		return func(m map[string]any) { fn(obj(m, "client")) }
	}
	level := func(fn func(l map[string]any)) func(m map[string]any) {
		return client(func(c map[string]any) { fn(obj(c, "level")) })
	}
	sub := func(key string, fn func(o map[string]any)) func(m map[string]any) {
		return func(m map[string]any) { fn(obj(m, key)) }
	}
	cases := []struct {
		name   string
		ep     api.Endpoint
		status int
		body   string
		edit   func(m map[string]any)
		wants  []want
		exact  bool
	}{
		// search: valid
		{name: "search page example", ep: api.EpSearch, status: 200, body: pageSearch},
		{name: "search S6 nulls", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) {
			c["photo"], c["birthday"], c["email"] = nil, nil, nil
		})},
		{name: "search S6 absent", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) {
			delete(c, "photo")
			delete(c, "birthday")
			delete(c, "email")
		})},
		{name: "search extra fields", ep: api.EpSearch, status: 200, body: pageSearch, edit: func(m map[string]any) {
			m["requestId"] = "x"
			obj(m, "client")["cards"] = []any{"1234"}
			obj(obj(m, "client"), "level")["color"] = "#fff"
		}},
		{name: "search discount without maxSpendPercent", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) {
			l := obj(c, "level")
			l["type"] = "discount"
			delete(l, "maxSpendPercent")
			c["balance"] = 0
		})},
		{name: "search bounds 0 and 100, fractional balance", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) {
			obj(c, "level")["percent"] = 0
			obj(c, "level")["maxSpendPercent"] = 100
			c["balance"] = 878.5
		})},
		{name: "search relative photo url", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) { c["photo"] = "/upload/a.jpeg" })},

		// search: broken
		{name: "phone as string", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) { c["phone"] = "79201234567" }),
			wants: []want{{"client.phone", "G6"}}, exact: true},
		{name: "phone fractional", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) { c["phone"] = 7920.5 }),
			wants: []want{{"client.phone", "G6"}}, exact: true},
		{name: "balance as string", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) { c["balance"] = "878" }),
			wants: []want{{"client.balance", "G8"}}, exact: true},
		{name: "negative balance", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) { c["balance"] = -1 }),
			wants: []want{{"client.balance", "S7"}}, exact: true},
		{name: "missing balance", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) { delete(c, "balance") }),
			wants: []want{{"client.balance", "G6"}}, exact: true},
		{name: "percent 150", ep: api.EpSearch, status: 200, body: pageSearch, edit: level(func(l map[string]any) { l["percent"] = 150 }),
			wants: []want{{"client.level.percent", "S7"}}, exact: true},
		{name: "percent negative", ep: api.EpSearch, status: 200, body: pageSearch, edit: level(func(l map[string]any) { l["percent"] = -1 }),
			wants: []want{{"client.level.percent", "S7"}}, exact: true},
		{name: "maxSpendPercent 101", ep: api.EpSearch, status: 200, body: pageSearch, edit: level(func(l map[string]any) { l["maxSpendPercent"] = 101 }),
			wants: []want{{"client.level.maxSpendPercent", "S7"}}, exact: true},
		{name: "cashback without maxSpendPercent", ep: api.EpSearch, status: 200, body: pageSearch, edit: level(func(l map[string]any) { delete(l, "maxSpendPercent") }),
			wants: []want{{"client.level.maxSpendPercent", "G6"}}, exact: true},
		{name: "level type unknown", ep: api.EpSearch, status: 200, body: pageSearch, edit: level(func(l map[string]any) { l["type"] = "bonus" }),
			wants: []want{{"client.level.type", "G6"}}, exact: true},
		{name: "missing client id", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) { delete(c, "id") }),
			wants: []want{{"client.id", "G8"}}, exact: true},
		{name: "empty client id", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) { c["id"] = "" }),
			wants: []want{{"client.id", "G8"}}, exact: true},
		{name: "numeric client id", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) { c["id"] = 62 }),
			wants: []want{{"client.id", "G8"}}, exact: true},
		{name: "empty level id", ep: api.EpSearch, status: 200, body: pageSearch, edit: level(func(l map[string]any) { l["id"] = "" }),
			wants: []want{{"client.level.id", "G8"}}, exact: true},
		{name: "photo not a url", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) { c["photo"] = "XXXXX.jpeg" }),
			wants: []want{{"client.photo", "S6"}}, exact: true},
		{name: "photo number", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) { c["photo"] = 1 }),
			wants: []want{{"client.photo", "S6"}}, exact: true},
		{name: "birthday in another format", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) { c["birthday"] = "29.03.2021" }),
			wants: []want{{"client.birthday", "S6"}}, exact: true},
		{name: "email number", ep: api.EpSearch, status: 200, body: pageSearch, edit: client(func(c map[string]any) { c["email"] = 5 }),
			wants: []want{{"client.email", "S6"}}, exact: true},
		{name: "success false in a 200", ep: api.EpSearch, status: 200, body: pageSearch, edit: func(m map[string]any) { m["success"] = false },
			wants: []want{{"success", "G6"}}, exact: true},
		{name: "success as string", ep: api.EpSearch, status: 200, body: pageSearch, edit: func(m map[string]any) { m["success"] = "true" },
			wants: []want{{"success", "G6"}}, exact: true},
		{name: "success missing", ep: api.EpSearch, status: 200, body: pageSearch, edit: func(m map[string]any) { delete(m, "success") },
			wants: []want{{"success", "G6"}}, exact: true},
		{name: "client missing", ep: api.EpSearch, status: 200, body: `{"success": true}`,
			wants: []want{{"client", "G6"}}, exact: true},
		{name: "client not an object", ep: api.EpSearch, status: 200, body: `{"success": true, "client": []}`,
			wants: []want{{"client", "G6"}}, exact: true},
		{name: "200 not JSON", ep: api.EpSearch, status: 200, body: `<html>502 Bad Gateway</html>`,
			wants: []want{{"(root)", "G6"}}, exact: true},
		{name: "200 empty", ep: api.EpSearch, status: 200, body: ``,
			wants: []want{{"(root)", "G6"}}, exact: true},
		{name: "200 JSON array", ep: api.EpSearch, status: 200, body: `[{"success": true}]`,
			wants: []want{{"(root)", "G6"}}, exact: true},
		{name: "200 trailing data", ep: api.EpRelease, status: 200, body: `{"success": true}{"success": true}`,
			wants: []want{{"(root)", "G6"}}, exact: true},

		// recalc
		{name: "recalc page example", ep: api.EpRecalc, status: 200, body: pageRecalc},
		{name: "recalc discount", ep: api.EpRecalc, status: 200, body: pageRecalc, edit: sub("recalc", func(r map[string]any) {
			r["type"], r["spend"], r["earn"], r["percent"] = "discount", 0, 0, 5
		})},
		{name: "recalc type unknown", ep: api.EpRecalc, status: 200, body: pageRecalc, edit: sub("recalc", func(r map[string]any) { r["type"] = "points" }),
			wants: []want{{"recalc.type", "C1"}}, exact: true},
		{name: "recalc amount as string", ep: api.EpRecalc, status: 200, body: pageRecalc, edit: sub("recalc", func(r map[string]any) { r["amount"] = "100" }),
			wants: []want{{"recalc.amount", "G8"}}, exact: true},
		{name: "recalc amount zero", ep: api.EpRecalc, status: 200, body: pageRecalc, edit: sub("recalc", func(r map[string]any) { r["amount"] = 0 }),
			wants: []want{{"recalc.amount", "B2"}}, exact: true},
		{name: "recalc amount missing", ep: api.EpRecalc, status: 200, body: pageRecalc, edit: sub("recalc", func(r map[string]any) { delete(r, "amount") }),
			wants: []want{{"recalc.amount", "C1"}}, exact: true},
		{name: "recalc negative spend", ep: api.EpRecalc, status: 200, body: pageRecalc, edit: sub("recalc", func(r map[string]any) { r["spend"] = -5 }),
			wants: []want{{"recalc.spend", "C2"}}, exact: true},
		{name: "recalc negative earn", ep: api.EpRecalc, status: 200, body: pageRecalc, edit: sub("recalc", func(r map[string]any) { r["earn"] = -5 }),
			wants: []want{{"recalc.earn", "C4"}}, exact: true},
		{name: "recalc earn null", ep: api.EpRecalc, status: 200, body: pageRecalc, edit: sub("recalc", func(r map[string]any) { r["earn"] = nil }),
			wants: []want{{"recalc.earn", "G8"}}, exact: true},
		{name: "recalc earn missing", ep: api.EpRecalc, status: 200, body: pageRecalc, edit: sub("recalc", func(r map[string]any) { delete(r, "earn") }),
			wants: []want{{"recalc.earn", "G6"}}, exact: true},

		// hold
		{name: "hold page example", ep: api.EpHold, status: 200, body: pageHold},
		{name: "hold until written 1704045600.0", ep: api.EpHold, status: 200, body: `{"success": true, "held": {"id": "h", "until": 1704045600.0, "amount": 0.5}}`},
		{name: "until in milliseconds", ep: api.EpHold, status: 200, body: pageHold, edit: sub("held", func(h map[string]any) { h["until"] = 1704045600000 }),
			wants: []want{{"held.until", "H2"}}, exact: true},
		{name: "until as string", ep: api.EpHold, status: 200, body: pageHold, edit: sub("held", func(h map[string]any) { h["until"] = "1704045600" }),
			wants: []want{{"held.until", "H2"}}, exact: true},
		{name: "until fractional", ep: api.EpHold, status: 200, body: pageHold, edit: sub("held", func(h map[string]any) { h["until"] = 1704045600.5 }),
			wants: []want{{"held.until", "H2"}}, exact: true},
		{name: "until a duration", ep: api.EpHold, status: 200, body: pageHold, edit: sub("held", func(h map[string]any) { h["until"] = 600 }),
			wants: []want{{"held.until", "H2"}}, exact: true},
		{name: "held amount zero", ep: api.EpHold, status: 200, body: pageHold, edit: sub("held", func(h map[string]any) { h["amount"] = 0 }),
			wants: []want{{"held.amount", "H1"}}, exact: true},
		{name: "held amount as string", ep: api.EpHold, status: 200, body: pageHold, edit: sub("held", func(h map[string]any) { h["amount"] = "100" }),
			wants: []want{{"held.amount", "G8"}}, exact: true},
		{name: "held id empty", ep: api.EpHold, status: 200, body: pageHold, edit: sub("held", func(h map[string]any) { h["id"] = "" }),
			wants: []want{{"held.id", "H1"}}, exact: true},
		{name: "held missing", ep: api.EpHold, status: 200, body: `{"success": true}`,
			wants: []want{{"held", "G6"}}, exact: true},

		// release
		{name: "release page example", ep: api.EpRelease, status: 200, body: pageRelease},
		{name: "release extra field", ep: api.EpRelease, status: 200, body: `{"success": true, "message": "ok"}`},
		{name: "release success false", ep: api.EpRelease, status: 200, body: `{"success": false}`,
			wants: []want{{"success", "G6"}}, exact: true},

		// retail
		{name: "retail spend page example", ep: api.EpRetail, status: 200, body: pageRetailSpend},
		{name: "retail accrue page example", ep: api.EpRetail, status: 200, body: pageRetailAccrue},
		{name: "retail spend with earn 0", ep: api.EpRetail, status: 200, body: pageRetailSpend, edit: sub("retail", func(r map[string]any) { r["earn"] = 0 })},
		{name: "retail accrue with spend 0", ep: api.EpRetail, status: 200, body: pageRetailAccrue, edit: sub("retail", func(r map[string]any) { r["spend"] = 0 })},
		{name: "retail discount", ep: api.EpRetail, status: 200, body: `{"success": true, "retail": {"amount": 100, "total": 95, "percent": 5, "type": "discount", "earn": 0}}`},
		{name: "retail spend and earn both positive", ep: api.EpRetail, status: 200, body: pageRetailSpend, edit: sub("retail", func(r map[string]any) { r["earn"] = 10 }),
			wants: []want{{"retail", "RT3"}, {"retail.earn", "RT3"}}, exact: true},
		{name: "retail neither spend nor earn", ep: api.EpRetail, status: 200, body: pageRetailSpend, edit: sub("retail", func(r map[string]any) { delete(r, "spend") }),
			wants: []want{{"retail", "RT3"}, {"retail.spend", "RT3"}}, exact: true},
		{name: "retail spend as string", ep: api.EpRetail, status: 200, body: pageRetailSpend, edit: sub("retail", func(r map[string]any) { r["spend"] = "100" }),
			wants: []want{{"retail.spend", "G8"}}, exact: true},
		{name: "retail negative earn", ep: api.EpRetail, status: 200, body: pageRetailAccrue, edit: sub("retail", func(r map[string]any) { r["earn"] = -1 }),
			wants: []want{{"retail.earn", "G8"}}, exact: true},
		{name: "retail negative total", ep: api.EpRetail, status: 200, body: pageRetailSpend, edit: sub("retail", func(r map[string]any) { r["total"] = -1 }),
			wants: []want{{"retail.total", "RT2"}}, exact: true},
		{name: "retail amount zero", ep: api.EpRetail, status: 200, body: pageRetailSpend, edit: sub("retail", func(r map[string]any) { r["amount"] = 0 }),
			wants: []want{{"retail.amount", "B2"}}, exact: true},
		{name: "retail total missing", ep: api.EpRetail, status: 200, body: pageRetailSpend, edit: sub("retail", func(r map[string]any) { delete(r, "total") }),
			wants: []want{{"retail.total", "G6"}}, exact: true},

		// error bodies: valid
		{name: "error page spend", ep: api.EpRetail, status: 422, body: `{"spend": "Spend can't be more 100"}`},
		{name: "error page client", ep: api.EpSearch, status: 422, body: `{"client": "Client not found."}`},
		{name: "error page point", ep: api.EpRecalc, status: 422, body: `{"point": "Point not found."}`},
		{name: "error with success false", ep: api.EpHold, status: 422, body: `{"success": false, "amount": "Not enough points."}`},
		{name: "error several fields", ep: api.EpRetail, status: 422, body: `{"amount": "Required.", "spend": "Must be a number."}`},
		{name: "error body on another status", ep: api.EpSearch, status: 401, body: `{"apikey": "Wrong key."}`},

		// error bodies: broken
		{name: "error numeric value", ep: api.EpRetail, status: 422, body: `{"spend": 100}`,
			wants: []want{{"spend", "G4"}}, exact: true},
		{name: "error object value", ep: api.EpRetail, status: 422, body: `{"errors": {"spend": "too much"}}`,
			wants: []want{{"errors", "G4"}}, exact: true},
		{name: "error null value", ep: api.EpRetail, status: 422, body: `{"spend": null}`,
			wants: []want{{"spend", "G4"}}, exact: true},
		{name: "error success true", ep: api.EpRetail, status: 422, body: `{"success": true, "spend": "Spend can't be more 100"}`,
			wants: []want{{"success", "G5"}}, exact: true},
		{name: "error success as string", ep: api.EpRetail, status: 422, body: `{"success": "false", "spend": "x"}`,
			wants: []want{{"success", "G5"}}, exact: true},
		{name: "error success false alone", ep: api.EpRetail, status: 422, body: `{"success": false}`,
			wants: []want{{"(root)", "G4"}}, exact: true},
		{name: "error empty object", ep: api.EpRetail, status: 422, body: `{}`,
			wants: []want{{"(root)", "G4"}}, exact: true},
		{name: "error not JSON", ep: api.EpRetail, status: 422, body: `Unprocessable Entity`,
			wants: []want{{"(root)", "G4"}}, exact: true},
		{name: "error JSON array", ep: api.EpRetail, status: 422, body: `["spend"]`,
			wants: []want{{"(root)", "G4"}}, exact: true},
		{name: "error JSON string", ep: api.EpRetail, status: 500, body: `"Internal Server Error"`,
			wants: []want{{"(root)", "G4"}}, exact: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := c.body
			if c.edit != nil {
				body = edit(t, body, c.edit)
			}
			got := v.Response(c.ep, c.status, []byte(body))
			assertViolations(t, got, c.wants, c.exact)
		})
	}
}

// The wire types of package api must produce answers the schemas accept.
func TestResponseOfAPITypes(t *testing.T) {
	v := newValidator(t)
	photo, email := "https://x.example/p.jpeg", "a@b.c"
	spend, earn := 10.0, 0.0
	for ep, r := range map[api.Endpoint]any{
		api.EpSearch: api.SearchResponse{Success: true, Client: api.Customer{ID: "c1", Name: "N", Photo: &photo, Email: &email,
			Level: api.Level{ID: "l1", Title: "T", Percent: 10, Type: api.TypeCashback, MaxSpendPercent: 50}, Phone: 79201234567, Balance: 10}},
		api.EpRecalc:  api.RecalcResponse{Success: true, Recalc: api.RecalcResult{Amount: 100, Percent: 10, Type: api.TypeCashback, Spend: 50, Earn: 10}},
		api.EpHold:    api.HoldResponse{Success: true, Held: api.Held{ID: "h1", Until: 1704045600, Amount: 5}},
		api.EpRelease: api.ReleaseResponse{Success: true},
		api.EpRetail:  api.RetailResponse{Success: true, Retail: api.RetailResult{Amount: 100, Total: 90, Percent: 10, Type: api.TypeCashback, Spend: &spend, Earn: &earn}},
	} {
		b, err := json.Marshal(r)
		require.NoError(t, err)
		assert.Empty(t, v.Response(ep, 200, b), "%s: %s", ep, b)
	}
}

func TestRequest(t *testing.T) {
	v := newValidator(t)
	marshal := func(x any) string {
		b, err := json.Marshal(x)
		require.NoError(t, err)
		return string(b)
	}
	dur := func(n int) *int { return &n }
	cases := []struct {
		name  string
		ep    api.Endpoint
		body  string
		wants []want
	}{
		{"search", api.EpSearch, marshal(api.SearchRequest{Search: "79201234567", Point: "p1"}), nil},
		{"search with hold", api.EpSearch, marshal(api.SearchRequest{Search: "79201234567", Point: "p1", Hold: []string{"h1"}}), nil},
		{"search extra field (B4)", api.EpSearch, `{"search": "1", "point": "p", "debug": true}`, nil},
		{"recalc", api.EpRecalc, marshal(api.RecalcRequest{Client: "c", Point: "p", Amount: 100}), nil},
		{"hold", api.EpHold, marshal(api.HoldRequest{Client: "c", Point: "p", Amount: 10}), nil},
		{"hold with duration 30", api.EpHold, marshal(api.HoldRequest{Client: "c", Point: "p", Amount: 10, Duration: dur(30)}), nil},
		{"release", api.EpRelease, marshal(api.ReleaseRequest{ID: "h"}), nil},
		{"retail accrue", api.EpRetail, marshal(api.RetailRequest{Client: "c", Point: "p", Amount: 100}), nil},
		{"retail spend with hold", api.EpRetail, marshal(api.RetailRequest{Client: "c", Point: "p", Amount: 100, Spend: 10, Hold: []string{"h"}}), nil},

		{"numeric search", api.EpSearch, `{"search": 79201234567, "point": "p"}`, []want{{"search", "G1"}}},
		{"search without point", api.EpSearch, `{"search": "1"}`, []want{{"point", "G8"}}},
		{"empty hold id", api.EpSearch, `{"search": "1", "point": "p", "hold": [""]}`, []want{{"hold.0", "G8"}}},
		{"hold not an array", api.EpSearch, `{"search": "1", "point": "p", "hold": "h"}`, []want{{"hold", "G8"}}},
		{"recalc amount zero", api.EpRecalc, `{"client": "c", "point": "p", "amount": 0}`, []want{{"amount", "C7"}}},
		{"recalc amount as string", api.EpRecalc, `{"client": "c", "point": "p", "amount": "100"}`, []want{{"amount", "C7"}}},
		{"recalc amount missing", api.EpRecalc, `{"client": "c", "point": "p"}`, []want{{"amount", "C7"}}},
		{"recalc client missing", api.EpRecalc, `{"point": "p", "amount": 1}`, []want{{"client", "G8"}}},
		{"hold duration 31", api.EpHold, `{"client": "c", "point": "p", "amount": 1, "duration": 31}`, []want{{"duration", "H3"}}},
		{"hold duration 0", api.EpHold, `{"client": "c", "point": "p", "amount": 1, "duration": 0}`, []want{{"duration", "H3"}}},
		{"hold duration fractional", api.EpHold, `{"client": "c", "point": "p", "amount": 1, "duration": 1.5}`, []want{{"duration", "H3"}}},
		{"hold amount negative", api.EpHold, `{"client": "c", "point": "p", "amount": -1}`, []want{{"amount", "B2"}}},
		{"hold amount as string", api.EpHold, `{"client": "c", "point": "p", "amount": "1"}`, []want{{"amount", "G8"}}},
		{"release id number", api.EpRelease, `{"id": 5}`, []want{{"id", "G8"}}},
		{"retail negative spend", api.EpRetail, `{"client": "c", "point": "p", "amount": 100, "spend": -1}`, []want{{"spend", "RT8"}}},
		{"retail spend missing", api.EpRetail, `{"client": "c", "point": "p", "amount": 100}`, []want{{"spend", "RT8"}}},
		{"retail amount negative", api.EpRetail, `{"client": "c", "point": "p", "amount": -100, "spend": 0}`, []want{{"amount", "RT8"}}},
		{"request not JSON", api.EpRetail, `client=c&point=p`, []want{{"(root)", "G1"}}},
		{"request array", api.EpRelease, `[{"id": "h"}]`, []want{{"(root)", "G1"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assertViolations(t, v.Request(c.ep, []byte(c.body)), c.wants, true)
		})
	}
}

func TestUnknownEndpoint(t *testing.T) {
	v := newValidator(t)
	for _, got := range [][]Violation{
		v.Response("refund", 200, []byte(`{"success": true}`)),
		v.Response("refund", 422, []byte(`{"a": "b"}`)),
		v.Request("refund", []byte(`{}`)),
	} {
		assertViolations(t, got, []want{{"(root)", "G1"}}, true)
	}
}

// Violations come sorted by path, without repeats, whatever the order in
// which the library found them (it walks maps in random order).
func TestViolationsDeterministic(t *testing.T) {
	v := newValidator(t)
	body := []byte(`{"z": 1, "a": 2, "m": 3, "success": true, "b": [], "c": {}}`)
	first := v.Response(api.EpRetail, 422, body)
	require.Len(t, first, 6)
	for i := 1; i < len(first); i++ {
		assert.LessOrEqual(t, first[i-1].Path, first[i].Path)
	}
	for range 20 {
		assert.Equal(t, first, v.Response(api.EpRetail, 422, body))
	}
}

func TestMessages(t *testing.T) {
	v := newValidator(t)
	got := v.Response(api.EpRetail, 200, []byte(`{"success": true, "retail": {"amount": 100, "total": 0, "percent": 10, "type": "cashback", "spend": 10, "earn": 5}}`))
	require.NotEmpty(t, got)
	assert.Equal(t, Violation{Path: "retail", Rule: "RT3", Message: "is none of: spend answer, accrue answer"}, got[0])
	got = v.Response(api.EpHold, 200, []byte(`{"success": true, "held": {"id": "h", "until": 1704045600000, "amount": 1}}`))
	require.Len(t, got, 1)
	assert.Contains(t, got[0].Message, "1704045600000", "the message quotes the offending value")
	got = v.Response(api.EpSearch, 200, []byte("{\"success\": tru"))
	require.Len(t, got, 1)
	assert.True(t, strings.HasPrefix(got[0].Message, "body is not JSON"), got[0].Message)
}

// The memo of valid bodies must never change a verdict: invalid bodies are
// judged every time, and a body valid for one schema is not valid for all.
func TestMemo(t *testing.T) {
	v := newValidator(t)
	valid := []byte(pageRelease)
	for range 3 {
		assert.Empty(t, v.Response(api.EpRelease, 200, valid))
	}
	assert.NotEmpty(t, v.Response(api.EpSearch, 200, valid), "release's answer is no search answer")
	assert.NotEmpty(t, v.Response(api.EpRelease, 422, valid), "nor an error body")
	bad := []byte(`{"success": false}`)
	for range 3 {
		assert.Len(t, v.Response(api.EpRelease, 200, bad), 1)
	}
}

func TestConcurrentUse(t *testing.T) {
	v := newValidator(t)
	type job struct {
		ep     api.Endpoint
		status int
		body   []byte
	}
	var jobs []job
	for _, c := range benchBodies {
		jobs = append(jobs, job{c.ep, c.status, []byte(c.body)})
		jobs = append(jobs, job{c.ep, c.status, []byte(strings.Replace(c.body, "true", "false", 1))})
		jobs = append(jobs, job{c.ep, 422, []byte(c.body)})
	}
	want := make([][]Violation, len(jobs))
	for i, j := range jobs {
		want[i] = v.Response(j.ep, j.status, j.body)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 200 {
				i := (g*31 + n) % len(jobs)
				got := v.Response(jobs[i].ep, jobs[i].status, jobs[i].body)
				if fmt.Sprint(got) != fmt.Sprint(want[i]) {
					select {
					case errs <- fmt.Sprintf("job %d: got %v, want %v", i, got, want[i]):
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

var ruleIDRe = regexp.MustCompile(`\b(G|S|C|H|RT|L|B)[0-9]+\b`)

// Every embedded file is a draft-07 schema that compiles, says what it is,
// and cites the rules it encodes; every x-rule names an existing rule and
// is cited in the file's description.
func TestSchemaFiles(t *testing.T) {
	files := Files()
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			require.True(t, strings.HasSuffix(f.Name, ".schema.json"), f.Name)
			s, err := Compile(f.Name)
			require.NoError(t, err)
			assert.Equal(t, f.Name, s.Name())

			var doc map[string]any
			require.NoError(t, json.Unmarshal(f.Data, &doc))
			assert.Equal(t, "http://json-schema.org/draft-07/schema#", doc["$schema"])
			assert.Equal(t, "urn:loyalcheck:schema:"+strings.TrimSuffix(f.Name, ".schema.json"), doc["$id"])
			assert.NotEmpty(t, doc["title"])
			desc, _ := doc["description"].(string)
			assert.NotEmpty(t, desc)
			cited := map[string]bool{}
			for _, id := range ruleIDRe.FindAllString(desc, -1) {
				_, ok := api.RuleByID(id)
				assert.True(t, ok, "description cites unknown rule %s", id)
				cited[id] = true
			}

			xrules := map[string]bool{}
			walkJSON(doc, "#", func(at, key string, val any) {
				switch key {
				case RuleKeyword:
					switch x := val.(type) {
					case string:
						xrules[x] = true
					case map[string]any:
						for _, id := range x {
							s, _ := id.(string)
							xrules[s] = true
						}
					default:
						t.Errorf("%s: x-rule of type %T", at, val)
					}
				case "format":
					t.Errorf("%s: format checkers are global in gojsonschema; use pattern", at)
				case "$ref":
					if r, _ := val.(string); !strings.HasPrefix(r, "#") {
						t.Errorf("%s: remote $ref %q", at, r)
					}
				}
			})
			assert.Equal(t, xrules, s.ids, "the rule tree must hold every x-rule of the file")
			for id := range xrules {
				_, ok := api.RuleByID(id)
				assert.True(t, ok, "x-rule names unknown rule %q", id)
				assert.True(t, cited[id], "x-rule %s is not cited in the description", id)
			}
			if isWire(f.Name) {
				assert.NotEmpty(t, cited, "a wire schema's description cites its rules")
				assert.NotEmpty(t, doc[RuleKeyword], "a wire schema has a root x-rule, the rule of a body that is not JSON")
			}
		})
	}
}

func isWire(name string) bool {
	if name == ErrorFile {
		return true
	}
	for _, ep := range api.Endpoints() {
		if name == ResponseFile(ep) || name == RequestFile(ep) {
			return true
		}
	}
	return false
}

// walkJSON calls fn for every key of every object in v.
func walkJSON(v any, at string, fn func(at, key string, val any)) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			fn(at, k, val)
			if k == "enum" || k == "const" || k == RuleKeyword {
				continue // values, not schemas
			}
			walkJSON(val, at+"/"+k, fn)
		}
	case []any:
		for i, val := range x {
			walkJSON(val, fmt.Sprintf("%s/%d", at, i), fn)
		}
	}
}

func TestWireFilesPresent(t *testing.T) {
	names := map[string]bool{}
	for _, f := range Files() {
		names[f.Name] = true
	}
	assert.True(t, names[ErrorFile])
	for _, ep := range api.Endpoints() {
		assert.True(t, names[ResponseFile(ep)], ResponseFile(ep))
		assert.True(t, names[RequestFile(ep)], RequestFile(ep))
	}
	_, err := Compile("nope.schema.json")
	assert.Error(t, err)
}

// Every keyword the engine reports can be named in an x-rule object.
func TestEngineKeywordsAreRuleKeys(t *testing.T) {
	for typ, kw := range keywordOf {
		if kw != "" {
			assert.True(t, ruleKeys[kw], "%s -> %s", typ, kw)
		}
	}
}

func TestCompileRejectsBadAnnotations(t *testing.T) {
	for name, schema := range map[string]string{
		"unknown rule":     `{"$schema": "http://json-schema.org/draft-07/schema#", "x-rule": "Z9"}`,
		"unknown keyword":  `{"$schema": "http://json-schema.org/draft-07/schema#", "properties": {"a": {"x-rule": {"minimun": "S7"}}}}`,
		"not a string":     `{"$schema": "http://json-schema.org/draft-07/schema#", "x-rule": 7}`,
		"conflict":         `{"$schema": "http://json-schema.org/draft-07/schema#", "properties": {"a": {"x-rule": "S7"}}, "anyOf": [{"properties": {"a": {"x-rule": "S6"}}}]}`,
		"remote ref":       `{"$schema": "http://json-schema.org/draft-07/schema#", "$ref": "http://example.com/s.json"}`,
		"bad keyword type": `{"$schema": "http://json-schema.org/draft-07/schema#", "minLength": "one"}`,
		"not JSON":         `{"$schema": `,
	} {
		_, err := compile(name, []byte(schema))
		assert.Error(t, err, name)
	}
}

// Rules are found through local $refs, items, additionalProperties and
// patternProperties, and inherited from the nearest ancestor's default.
func TestRuleLookup(t *testing.T) {
	s, err := compile("t", []byte(`{
	  "$schema": "http://json-schema.org/draft-07/schema#",
	  "x-rule": "G6",
	  "type": "object",
	  "definitions": {"id": {"type": "string", "minLength": 1, "x-rule": "G8"}},
	  "properties": {
	    "a": {"$ref": "#/definitions/id"},
	    "list": {"type": "array", "items": {"$ref": "#/definitions/id"}},
	    "m": {"x-rule": {"default": "S7", "type": "G8"}, "type": "object",
	          "patternProperties": {"^p": {"type": "integer", "x-rule": "H2"}},
	          "additionalProperties": {"type": "string"}},
	    "n": {"type": "object", "properties": {"deep": {"type": "string"}}}
	  }
	}`))
	require.NoError(t, err)
	for _, c := range []struct {
		body string
		want want
	}{
		{`{"a": ""}`, want{"a", "G8"}},
		{`{"list": ["x", 5]}`, want{"list.1", "G8"}},
		{`{"m": {"p1": "x"}}`, want{"m.p1", "H2"}},
		{`{"m": {"q": 1}}`, want{"m.q", "S7"}},
		{`{"m": 1}`, want{"m", "G8"}},
		{`{"n": {"deep": 1}}`, want{"n.deep", "G6"}},
		{`[]`, want{"(root)", "G6"}},
	} {
		got := s.Validate([]byte(c.body))
		require.Len(t, got, 1, c.body)
		assert.Equal(t, c.want, want{got[0].Path, got[0].Rule}, c.body)
	}
}

func TestWriteFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "schemas")
	require.NoError(t, WriteFiles(dir))
	require.NoError(t, WriteFiles(dir), "writing again replaces the files")
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	files := Files()
	require.Len(t, ents, len(files))
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name))
		require.NoError(t, err)
		assert.Equal(t, f.Data, b, f.Name)
		assert.True(t, json.Valid(b), f.Name)
	}
	// Files hands out copies.
	files[0].Data[0] = 'X'
	assert.NotEqual(t, byte('X'), Files()[0].Data[0])

	blocker := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	assert.Error(t, WriteFiles(filepath.Join(blocker, "sub")), "a path through a file cannot be created")
}
