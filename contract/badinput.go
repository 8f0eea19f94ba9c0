package contract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"loyalcheck/api"
)

func badInputChecks() []check {
	return []check{
		{name: "b1-malformed", rule: "B1", run: checkB1,
			summary: "malformed, non-object, incomplete and ill-typed bodies are refused with 422 and an error body"},
		{name: "b2-invalid-values", rule: "B2", run: checkB2,
			summary: "zero or negative amounts, negative or excessive spends and long holds are never accepted"},
		{name: "b3-coercion", rule: "B3", run: checkB3,
			summary: `wrongly typed but meaningful values ("100" for 100) are refused (coercion warns)`},
		{name: "b4-unknown-fields", rule: "B4", run: checkB4,
			summary: "unknown extra request fields are ignored"},
		{name: "b5-no-side-effect", rule: "B5", run: checkB5,
			summary: "refused bad input leaves the balance as it was"},
	}
}

// field describes one request field for the bad-input matrix.
type field struct {
	name     string
	kind     string // "string", "amount" (money), "points", "list"
	required bool
}

// shape is an endpoint's request: its fields and a valid body.
type shape struct {
	ep     api.Endpoint
	fields []field
	valid  map[string]any
}

// shapes returns the request shapes, valid bodies naming the member. Money
// and points that would be accepted are kept small.
func (t *T) shapes(m *member) []shape {
	p := t.s.point
	return []shape{
		{api.EpSearch, []field{{"search", "string", true}, {"point", "string", true}, {"hold", "list", false}},
			map[string]any{"search": m.key, "point": p}},
		{api.EpRecalc, []field{{"client", "string", true}, {"point", "string", true}, {"amount", "amount", true}, {"hold", "list", false}},
			map[string]any{"client": m.id, "point": p, "amount": 100}},
		{api.EpHold, []field{{"client", "string", true}, {"point", "string", true}, {"amount", "points", true}, {"duration", "points", false}},
			map[string]any{"client": m.id, "point": p, "amount": 1}},
		{api.EpRelease, []field{{"id", "string", true}},
			map[string]any{"id": unknownID()}},
		{api.EpRetail, []field{{"client", "string", true}, {"point", "string", true}, {"amount", "amount", true}, {"spend", "points", true}, {"hold", "list", false}},
			map[string]any{"client": m.id, "point": p, "amount": 100, "spend": 0}},
	}
}

func with(base map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(base)+1)
	for a, b := range base {
		out[a] = b
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

// badCase is one bad request: raw body, and whether a 200 is wrong in
// itself (malformed or non-object bodies, missing required fields).
type badCase struct {
	what   string
	body   []byte
	mustNo bool
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// matrix builds the bad-input cases of an endpoint, one field at a time.
func matrix(sh shape) []badCase {
	var cs []badCase
	for _, b := range []string{`{`, `{"a": }`, `not json`, ``, `{"a":1}{"b":2}`} {
		cs = append(cs, badCase{fmt.Sprintf("malformed JSON %q", b), []byte(b), true})
	}
	for _, b := range []string{`[]`, `[1,2]`, `"text"`, `42`, `true`, `null`} {
		cs = append(cs, badCase{"a body of " + b, []byte(b), true})
	}
	long := strings.Repeat("x", 10000)
	for _, f := range sh.fields {
		if f.required {
			cs = append(cs, badCase{"without " + f.name, mustJSON(with(sh.valid, f.name, nil)), true})
		}
		var vals []any
		switch f.kind {
		case "string":
			vals = []any{true, map[string]any{}, []any{}, long}
		case "list":
			vals = []any{"x", 5, map[string]any{}, []any{5}, []any{long}}
		case "amount":
			vals = []any{"abc", true, map[string]any{}, []any{}, 0, -1, json.Number("1e400")}
			if sh.ep != api.EpRetail {
				vals = append(vals, 1e300) // never a huge receipt that would accrue
			}
		case "points":
			vals = []any{"abc", true, map[string]any{}, []any{}, -1, 1e300, json.Number("1e400"), json.Number("123456789012345678901234567890")}
			if f.name != "spend" {
				vals = append(vals, 0)
			}
		}
		for _, v := range vals {
			label := string(mustJSON(v))
			if s, ok := v.(string); ok && len(s) > 40 {
				label = fmt.Sprintf("a %d-character string", len(s))
			} else if l, ok := v.([]any); ok && len(l) == 1 {
				if s, ok := l[0].(string); ok && len(s) > 40 {
					label = fmt.Sprintf("[a %d-character string]", len(s))
				}
			}
			cs = append(cs, badCase{fmt.Sprintf("%s %s", f.name, label), mustJSON(with(sh.valid, f.name, v)), false})
		}
	}
	return cs
}

// problem classes of an answer to bad input (B1).
const (
	probAccepted = "accepted"
	prob400      = "400"
	prob5xx      = "5xx"
	probNotJSON  = "non-JSON body"
	probShape    = "body of another shape"
	probStatus   = "status"
	probNone     = ""
)

func classify(r *reply, mustNo bool) string {
	switch {
	case r.Err != nil:
		return prob5xx // no answer at all to bad input counts as a server failure
	case r.OK():
		if mustNo {
			return probAccepted
		}
		return probNone
	case r.Status() >= 500:
		return prob5xx
	case !json.Valid(r.Ex.Body):
		return probNotJSON
	case !r.Shaped:
		return probShape
	case r.Status() == http.StatusBadRequest:
		return prob400
	case r.Status() != 422:
		return probStatus
	}
	return probNone
}

func checkB1(t *T) {
	m := t.s.roles.zero
	if m == nil {
		m = t.anyClient()
	}
	if m == nil {
		return
	}
	type hit struct {
		n     int
		first *reply
		what  string
	}
	hits := map[string]*hit{}
	var keys []string
	total := 0
	for _, sh := range t.shapes(m) {
		for _, c := range matrix(sh) {
			total++
			r := t.do(sh.ep, c.body)
			p := classify(r, c.mustNo)
			if p == probNone {
				continue
			}
			k := string(sh.ep) + "|" + p
			if h, ok := hits[k]; ok {
				h.n++
				continue
			}
			hits[k] = &hit{1, r, c.what}
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		h := hits[k]
		ep, p, _ := strings.Cut(k, "|")
		more := ""
		if h.n > 1 {
			more = fmt.Sprintf(" (and %d more bad requests)", h.n-1)
		}
		switch p {
		case prob400:
			t.Warn(h.first.Ex, "%s with %s answered 400; want 422%s", ep, h.what, more)
		case probAccepted:
			t.Fail(h.first.Ex, "%s with %s was accepted (HTTP 200)%s", ep, h.what, more)
		case prob5xx:
			t.Fail(h.first.Ex, "%s with %s: %s%s", ep, h.what, h.first.Describe(), more)
		case probNotJSON:
			t.Fail(h.first.Ex, "%s with %s answered HTTP %d with a non-JSON body%s", ep, h.what, h.first.Status(), more)
		case probShape:
			t.Fail(h.first.Ex, "%s with %s answered HTTP %d with a body that is not a field -> message object%s", ep, h.what, h.first.Status(), more)
		default:
			t.Fail(h.first.Ex, "%s with %s answered HTTP %d; want 422%s", ep, h.what, h.first.Status(), more)
		}
	}
	if len(keys) == 0 {
		t.Pass(nil, "%d bad requests over the five endpoints were all refused with 422 and an error body", total)
	}
}

func checkB2(t *T) {
	m := t.rich()
	if m == nil {
		return
	}
	a := amountFor(5, m.maxPct)
	rc, _ := t.recalcOf(m, a)
	if rc == nil {
		return
	}
	p := t.s.point
	cases := []probe{
		{"recalc with amount 0", api.EpRecalc, map[string]any{"client": m.id, "point": p, "amount": 0}},
		{"recalc with amount -100", api.EpRecalc, map[string]any{"client": m.id, "point": p, "amount": -100}},
		{"hold of 0 points", api.EpHold, map[string]any{"client": m.id, "point": p, "amount": 0}},
		{"hold of -5 points", api.EpHold, map[string]any{"client": m.id, "point": p, "amount": -5}},
		{"retail with amount 0", api.EpRetail, map[string]any{"client": m.id, "point": p, "amount": 0, "spend": 0}},
		{"retail with amount -100", api.EpRetail, map[string]any{"client": m.id, "point": p, "amount": -100, "spend": 0}},
		{"retail with spend -5", api.EpRetail, map[string]any{"client": m.id, "point": p, "amount": 100, "spend": -5}},
		{"retail spending recalc's spend + 1", api.EpRetail, map[string]any{"client": m.id, "point": p, "amount": a, "spend": rc.Spend.V + 1}},
	}
	for _, c := range cases {
		r := t.doJSON(c.ep, c.body)
		if r.OK() {
			t.Warn(r.Ex, "%s was accepted", c.what)
		}
	}
	// A duration over 30 is refused or cut to 30 (H3 judges the details).
	t0 := t.s.cfg.now()
	h, r := t.hold(api.HoldRequest{Client: m.id, Point: p, Amount: 1, Duration: ptr(45)})
	if _, hi := t.untilWindow(t0, t.s.cfg.now(), 30*time.Minute); h != nil && int64(h.Until.V) > hi {
		t.Warn(r.Ex, "a hold with duration 45 was accepted until %s, more than 30 minutes", n(h.Until.V))
	}
	t.Pass(nil, "%d semantically invalid requests were all refused", len(cases)+1)
}

func checkB3(t *T) {
	m := t.rich()
	if m == nil {
		return
	}
	p := t.s.point
	cases := []probe{
		{`recalc with amount "100"`, api.EpRecalc, map[string]any{"client": m.id, "point": p, "amount": "100"}},
		{`hold with amount "1"`, api.EpHold, map[string]any{"client": m.id, "point": p, "amount": "1"}},
		{`hold with duration "5"`, api.EpHold, map[string]any{"client": m.id, "point": p, "amount": 1, "duration": "5"}},
		{`retail with amount "20"`, api.EpRetail, map[string]any{"client": m.id, "point": p, "amount": "20", "spend": 0}},
		{`retail with spend "0"`, api.EpRetail, map[string]any{"client": m.id, "point": p, "amount": 20, "spend": "0"}},
	}
	if num, err := json.Number(m.key).Int64(); err == nil && fmt.Sprint(num) == m.key {
		cases = append(cases, probe{"search with a numeric search", api.EpSearch, map[string]any{"search": num, "point": p}})
	}
	var coerced []string
	var first *reply
	for _, c := range cases {
		r := t.doJSON(c.ep, c.body)
		if r.OK() {
			coerced = append(coerced, c.what)
			if first == nil {
				first = r
			}
		}
	}
	if len(coerced) > 0 {
		t.Warn(first.Ex, "tolerated difference: %d of %d wrongly typed values were coerced and accepted (%s)",
			len(coerced), len(cases), strings.Join(coerced, "; "))
		return
	}
	t.Pass(nil, "%d wrongly typed values were refused, none coerced", len(cases))
}

func checkB4(t *T) {
	m := t.rich()
	if m == nil {
		return
	}
	p := t.s.point
	const extra = "loyalcheckProbe"
	var last *reply
	for _, c := range []struct {
		ep   api.Endpoint
		body map[string]any
	}{
		{api.EpSearch, map[string]any{"search": m.key, "point": p, extra: true}},
		{api.EpRecalc, map[string]any{"client": m.id, "point": p, "amount": 100, extra: "x"}},
		{api.EpHold, map[string]any{"client": m.id, "point": p, "amount": 1, extra: 1}},
		{api.EpRelease, map[string]any{"id": unknownID(), extra: []int{1}}},
		{api.EpRetail, map[string]any{"client": m.id, "point": p, "amount": 10, "spend": 0, extra: map[string]any{}}},
	} {
		r := t.doJSON(c.ep, c.body)
		last = r
		switch {
		case r.Err != nil:
			t.Broken(string(c.ep)+" with an unknown field", r)
		case !r.OK():
			t.Warn(r.Ex, "%s with an unknown field %q was refused: %s", c.ep, extra, r.Describe())
		}
	}
	t.Pass(last.Ex, "unknown request fields are ignored on all five endpoints")
}

func checkB5(t *T) {
	m, b0 := t.richBalance()
	if m == nil {
		return
	}
	p := t.s.point
	var cases []probe
	for _, v := range []any{"abc", -5, 1.5, 1e12, true, []any{}, map[string]any{}} {
		cases = append(cases, probe{ep: api.EpRetail, body: map[string]any{"client": m.id, "point": p, "amount": 100, "spend": v}})
	}
	for _, v := range []any{"abc", -100, 0, true} {
		cases = append(cases, probe{ep: api.EpRetail, body: map[string]any{"client": m.id, "point": p, "amount": v, "spend": 0}})
	}
	cases = append(cases, probe{ep: api.EpRetail, body: map[string]any{"client": m.id, "point": p, "amount": 100}},
		probe{ep: api.EpRetail, body: map[string]any{"client": m.id, "point": p, "amount": 100, "spend": 0, "hold": "x"}})
	for _, v := range []any{"abc", -1, 0, 1.5, 1e12, true} {
		cases = append(cases, probe{ep: api.EpHold, body: map[string]any{"client": m.id, "point": p, "amount": v}})
	}
	for _, v := range []any{"x", -5, 1.5} {
		cases = append(cases, probe{ep: api.EpHold, body: map[string]any{"client": m.id, "point": p, "amount": 1, "duration": v}})
	}
	refused := 0
	var lost []lostCall
	for _, c := range cases {
		r := t.doJSON(c.ep, c.body)
		if r.Err != nil {
			// No answer: whether it was refused, and left the balance, is
			// unknown; B5 is unverified on it.
			lost = append(lost, lostCall{fmt.Sprintf("%s with %s", c.ep, api.Snippet(mustJSON(c.body), 120)), r})
		}
		if r.OK() || r.Err != nil {
			// Accepted (judged by B2/B3): its effect is legitimate; rebase.
			if b, _, ok := t.balance(m); ok {
				b0 = b
			} else {
				return
			}
			t.releaseAll()
			if b, _, ok := t.balance(m); ok {
				b0 = b
			}
			continue
		}
		refused++
		if !t.keptBalance(m, &b0, fmt.Sprintf("%s with %s", c.ep, api.Snippet(mustJSON(c.body), 120)), r) {
			return
		}
	}
	t.Pass(nil, "%d refused bad requests left the balance (%s) as it was", refused, n(b0))
	t.partial("bad requests", len(cases), lost)
}
