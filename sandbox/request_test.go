package sandbox

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

// validBodies are accepted requests of each endpoint, varied one field at
// a time by the bad-input table.
func validBodies(h *harness) map[api.Endpoint]map[string]any {
	return map[api.Endpoint]map[string]any{
		api.EpSearch:  {"search": h.phone(cRich), "point": h.point(0)},
		api.EpRecalc:  {"client": h.id(cRich), "point": h.point(0), "amount": 100},
		api.EpHold:    {"client": h.id(cRich), "point": h.point(0), "amount": 10},
		api.EpRelease: {"id": "6592a940273c9184bbed945a"},
		api.EpRetail:  {"client": h.id(cRich), "point": h.point(0), "amount": 100, "spend": 10},
	}
}

// TestValidBodiesAccepted makes sure the bad-input table varies bodies
// that are otherwise accepted, so each refusal is due to its one field.
func TestValidBodiesAccepted(t *testing.T) {
	h := newHarness(t)
	for ep, body := range validBodies(h) {
		h.ok(ep, body)
	}
}

// TestBadInput: every bad value of every field is refused with 422, keyed
// by that field, and changes nothing (B1-B5, C7, RT8, H3, G4, G7).
func TestBadInput(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("a", 257)
	longHold := make([]string, 101)
	for i := range longHold {
		longHold[i] = "h"
	}
	// Values every string field refuses.
	badStrings := map[string]any{
		"missing": nil, "null": raw("null"), "number": 123, "bool": true, "object": map[string]any{},
		"array": []string{"x"}, "empty": "", "long": long,
	}
	// Values every number field refuses.
	badNumbers := map[string]any{
		"missing": nil, "null": raw("null"), "string": "100", "bool": false, "object": map[string]any{},
		"array": []int{1}, "huge": 1e10, "overflow": raw("1e400"), "negative": -1,
	}
	type row struct {
		ep    api.Endpoint
		field string
		name  string
		value any // nil removes the field
	}
	var rows []row
	addAll := func(ep api.Endpoint, field string, vals map[string]any) {
		for name, v := range vals {
			rows = append(rows, row{ep, field, name, v})
		}
	}
	for _, f := range []string{"search", "point"} {
		addAll(api.EpSearch, f, badStrings)
	}
	for _, ep := range []api.Endpoint{api.EpRecalc, api.EpHold, api.EpRetail} {
		addAll(ep, "client", badStrings)
		addAll(ep, "point", badStrings)
		addAll(ep, "amount", badNumbers)
		rows = append(rows, row{ep, "amount", "zero", 0}, row{ep, "amount", "negative-fraction", -0.5})
	}
	addAll(api.EpRelease, "id", badStrings)
	addAll(api.EpRetail, "spend", badNumbers)
	rows = append(rows,
		row{api.EpRetail, "spend", "fraction", 1.5},
		row{api.EpRetail, "spend", "tiny-fraction", raw("10.000001")},
		row{api.EpHold, "amount", "fraction", 2.5},
		row{api.EpHold, "duration", "zero", 0},
		row{api.EpHold, "duration", "negative", -5},
		row{api.EpHold, "duration", "fraction", 1.5},
		row{api.EpHold, "duration", "over-30", 31},
		row{api.EpHold, "duration", "huge", 1e12},
		row{api.EpHold, "duration", "string", "10"},
		row{api.EpHold, "duration", "bool", true},
		row{api.EpRecalc, "amount", "too-many-digits", raw("100.0000000000000000000000000000000000000000000000000000000000000001")},
	)
	for _, ep := range []api.Endpoint{api.EpSearch, api.EpRecalc, api.EpRetail} {
		for name, v := range map[string]any{
			"string": "x", "number": 1, "object": map[string]any{}, "numbers": []int{1},
			"empty-id": []string{""}, "long-id": []string{long}, "too-many": longHold, "nested": [][]string{{"x"}},
		} {
			rows = append(rows, row{ep, "hold", name, v})
		}
	}

	bodies := validBodies(h)
	before := h.snapshot()
	for _, r := range rows {
		t.Run(string(r.ep)+"/"+r.field+"/"+r.name, func(t *testing.T) {
			hh := *h
			hh.t = t
			body := merge(bodies[r.ep], map[string]any{r.field: r.value})
			if r.value == nil {
				delete(body, r.field)
			}
			msg := hh.refused(r.ep, body, r.field)
			assert.NotEmpty(t, msg)
		})
	}
	assert.Equal(t, before, h.snapshot(), "a refused request changed the state")
}

// TestBadBodies: bodies that are not a JSON object (B1).
func TestBadBodies(t *testing.T) {
	h := newHarness(t)
	before := h.snapshot()
	for name, body := range map[string]string{
		"empty":      "",
		"spaces":     "  \n ",
		"malformed":  `{"search": `,
		"trailing":   `{"search": "x"} x`,
		"not-json":   `search=x&point=y`,
		"array":      `[{"search": "x"}]`,
		"string":     `"x"`,
		"number":     `42`,
		"null":       `null`,
		"true":       `true`,
		"bad-escape": `{"search": "\x"}`,
		"deep":       `{"x": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`,
		"too-large":  `{"search": "` + strings.Repeat("a", maxBodyBytes) + `"}`,
	} {
		for _, ep := range api.Endpoints() {
			t.Run(name+"/"+string(ep), func(t *testing.T) {
				hh := *h
				hh.t = t
				hh.refused(ep, body, "body")
			})
		}
	}
	assert.Equal(t, before, h.snapshot())
}

// TestUnknownFieldsIgnored: B4.
func TestUnknownFieldsIgnored(t *testing.T) {
	h := newHarness(t)
	for ep, body := range validBodies(h) {
		h.ok(ep, merge(body, map[string]any{"comment": "hi", "nested": map[string]any{"a": []int{1}}}))
	}
}

// TestNoCoercion: a string "100" for a number, or a number for search, is
// refused, not read as what it looks like (B3: the correct sandbox does not
// coerce; the coerce-strings quirk does).
func TestNoCoercion(t *testing.T) {
	h := newHarness(t)
	h.refused(api.EpSearch, map[string]any{"search": raw(h.phone(cRich)), "point": h.point(0)}, "search")
	h.refused(api.EpRecalc, map[string]any{"client": h.id(cRich), "point": h.point(0), "amount": "100"}, "amount")
	h.refused(api.EpRetail, map[string]any{"client": h.id(cRich), "point": h.point(0), "amount": 100, "spend": "0"}, "spend")
}

// TestWholeNumbers: integral values written as 1e1 or 10.0 are whole
// numbers of points; the answer echoes the amount as a plain number.
func TestWholeNumbers(t *testing.T) {
	h := newHarness(t)
	a := h.ok(api.EpRetail, map[string]any{"client": h.id(cRich), "point": h.point(0), "amount": raw("1e2"), "spend": raw("10.0")})
	assert.JSONEq(t, `{"success":true,"retail":{"amount":100,"total":90,"percent":10,"type":"cashback","spend":10}}`, string(a.raw))
	a = h.ok(api.EpHold, map[string]any{"client": h.id(cRich), "point": h.point(0), "amount": raw("2E1"), "duration": raw("5.00")})
	assert.Equal(t, int64(20), num(t, a.obj("held")["amount"]))
	assert.Equal(t, t0.Unix()+300, num(t, a.obj("held")["until"]))
}

// TestNullOptionalFields: null for an optional field is taken as absent.
func TestNullOptionalFields(t *testing.T) {
	h := newHarness(t)
	h.ok(api.EpSearch, map[string]any{"search": h.phone(cRich), "point": h.point(0), "hold": raw("null")})
	a := h.ok(api.EpHold, map[string]any{"client": h.id(cRich), "point": h.point(0), "amount": 1, "duration": raw("null")})
	assert.Equal(t, t0.Unix()+600, num(t, a.obj("held")["until"]))
}

// TestValidationOrder: fields first, then the point, then the client.
func TestValidationOrder(t *testing.T) {
	h := newHarness(t)
	h.refused(api.EpRecalc, map[string]any{"client": "nobody", "point": "nowhere", "amount": 0}, "amount")
	h.refused(api.EpRecalc, map[string]any{"client": "nobody", "point": "nowhere", "amount": 10}, "point")
	h.refused(api.EpSearch, map[string]any{"search": "nobody", "point": "nowhere"}, "point")
	h.refused(api.EpRetail, map[string]any{"client": "nobody", "point": h.point(0), "amount": 10, "spend": 0}, "client")
}

// TestRouting: paths, methods and the apikey (G1-G4).
func TestRouting(t *testing.T) {
	h := newHarness(t)
	bodies := validBodies(h)
	before := h.snapshot()
	cases := []struct {
		name   string
		method string
		path   string
		key    string
		status int
		field  string
	}{
		{"unknown path", http.MethodPost, "/integration/general/nope", api.SandboxAPIKey, 404, "path"},
		{"root", http.MethodPost, "/", api.SandboxAPIKey, 404, "path"},
		{"trailing slash", http.MethodPost, api.EpSearch.Path() + "/", api.SandboxAPIKey, 404, "path"},
		{"GET", http.MethodGet, api.EpSearch.Path(), api.SandboxAPIKey, 405, "method"},
		{"PUT", http.MethodPut, api.EpRetail.Path(), api.SandboxAPIKey, 405, "method"},
		{"DELETE", http.MethodDelete, api.EpRelease.Path(), api.SandboxAPIKey, 405, "method"},
		{"no key", http.MethodPost, api.EpRetail.Path(), "", 422, "apikey"},
		{"wrong key", http.MethodPost, api.EpRetail.Path(), "nope", 422, "apikey"},
		{"key prefix", http.MethodPost, api.EpRetail.Path(), api.SandboxAPIKey[:5], 422, "apikey"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := h.do(c.method, c.path, bodies[api.EpRetail], c.key)
			require.Equal(t, c.status, a.status, "%s", a.raw)
			assert.Equal(t, "application/json", a.ctype)
			fields, ok := api.ParseErrorBody(a.raw)
			require.True(t, ok, "%s", a.raw)
			assert.Contains(t, fields, c.field)
		})
	}
	a := h.do(http.MethodPost, api.EpRetail.Path(), bodies[api.EpRetail], "nope")
	assert.JSONEq(t, `{"apikey": "Invalid apikey."}`, string(a.raw))
	assert.Equal(t, before, h.snapshot(), "a refused request changed the state")

	// Every endpoint refuses a wrong key before reading the body.
	for _, ep := range api.Endpoints() {
		a := h.do(http.MethodPost, ep.Path(), "not json", "")
		assert.Equal(t, 422, a.status, ep)
		assert.JSONEq(t, `{"apikey": "Invalid apikey."}`, string(a.raw), ep)
	}
	// The apikey header name is case-insensitive, as HTTP says.
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+api.EpRelease.Path(), strings.NewReader(`{"id":"x"}`))
	req.Header["APIKEY"] = []string{api.SandboxAPIKey}
	resp, err := h.ts.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
}

// TestAPIKeyOption: WithAPIKey replaces the sandbox key.
func TestAPIKeyOption(t *testing.T) {
	h := newHarness(t, WithAPIKey("k2"))
	assert.Equal(t, 422, h.do(http.MethodPost, api.EpRelease.Path(), `{"id":"x"}`, api.SandboxAPIKey).status)
	assert.Equal(t, 200, h.do(http.MethodPost, api.EpRelease.Path(), `{"id":"x"}`, "k2").status)
}
