package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"loyalcheck/api"
)

func generalChecks() []check {
	return []check{
		{name: "g1-post-json", rule: "G1", run: checkG1,
			summary: "the five endpoints answer POST JSON at their documented paths, in the documented order, and not GET"},
		{name: "g2-apikey-required", rule: "G2", run: checkG2,
			summary: "a request to any of the five endpoints without the apikey header is not served"},
		{name: "g3-bad-key", rule: "G3", run: checkG3,
			summary: "a missing or wrong apikey never succeeds nor changes anything (422; 401/403 tolerated)"},
		{name: "g4-error-status", rule: "G4", run: checkG4,
			summary: "errors answer 422 with a JSON object of field -> message"},
		{name: "g5-error-body", rule: "G5", run: checkG5,
			summary: `error bodies hold only field -> string pairs and an optional "success": false`},
		{name: "g6-success-shape", rule: "G6", run: checkG6,
			summary: `successes answer 200 with "success": true and the payload`},
		{name: "g7-refused-no-effect", rule: "G7", run: checkG7,
			summary: "refused requests leave balances and holds as they were"},
		{name: "g8-types", rule: "G8", run: checkG8,
			summary: "ids are non-empty strings, money and points JSON numbers"},
	}
}

func checkG1(t *T) {
	m := t.anyClient()
	if m == nil {
		return
	}
	step := func(what string, r *reply) bool {
		switch {
		case r.OK():
			return true
		case r.Status() == http.StatusNotFound || r.Status() == http.StatusMethodNotAllowed:
			t.Fail(r.Ex, "%s: POST %s answered HTTP %d: not served at its documented path", what, r.Ex.URL, r.Status())
		default:
			t.Fail(r.Ex, "%s in the documented order failed: %s", what, r.Describe())
		}
		return false
	}
	// search -> recalc -> (hold -> release) -> retail, as the page orders them.
	c, r := t.search(m.key)
	if !step("search", r) {
		return
	}
	if c == nil {
		t.Fail(r.Ex, "search answered 200 without a usable client object")
		return
	}
	_, r = t.recalc(api.RecalcRequest{Client: m.id, Point: t.s.point, Amount: 100})
	step("recalc", r)
	if m.typ == api.TypeCashback && c.Balance.V >= 1 {
		h, r := t.hold(api.HoldRequest{Client: m.id, Point: t.s.point, Amount: 1})
		if step("hold", r) && h != nil {
			_, r = t.release(string(h.ID))
			step("release", r)
		}
	} else {
		_, r = t.release(unknownID())
		step("release", r)
	}
	_, r = t.retail(api.RetailRequest{Client: m.id, Point: t.s.point, Amount: 10, Spend: 0})
	step("retail", r)

	// The same requests sent with GET must not be served; hold and retail
	// are not sent, as a target serving them would change the balance.
	for _, p := range t.validRequests(m) {
		if p.ep == api.EpHold || p.ep == api.EpRetail {
			continue
		}
		ev, err := t.rawCall(http.MethodGet, p.ep, p.body)
		switch {
		case err != nil:
			t.Fail(nil, "GET %s: %v", p.ep.Path(), err)
		case ev.Status == http.StatusOK:
			t.recordOn(t.rule, Fail, nil, fmt.Sprintf("GET %s is served (HTTP 200); the endpoints are POST only", p.ep.Path()))
			t.out[len(t.out)-1].Evidence = ev
		}
	}
	t.Pass(r.Ex, "search, recalc, hold, release and retail answer POST JSON in the documented order; GET is not served")
}

// rawCall sends a request with another method than POST, through the
// suite's client (the configured key, no redirect followed, the body cap).
// It is not validated against the schemas: the API serves no such method.
func (t *T) rawCall(method string, ep api.Endpoint, body any) (*Evidence, error) {
	t.guardWrite(ep)
	b, _ := json.Marshal(body)
	ex, err := t.s.c.Do(t.ctx, ep, b, api.WithMethod(method))
	if err != nil {
		return nil, err
	}
	t.remember(ex)
	t.s.noteRedirect(ex)
	ev := evidenceOf(ex)
	ev.Method = method
	return ev, nil
}

// checkG2 sends a valid request to each of the five endpoints without the
// apikey header: the page requires the header on every request, so none
// may be served.
func checkG2(t *T) {
	m := t.anyClient()
	if m == nil {
		return
	}
	var last *reply
	for _, p := range t.validRequests(m) {
		r := t.doJSON(p.ep, p.body, api.WithoutKey())
		last = r
		switch {
		case r.Err != nil:
			t.Broken(string(p.ep)+" without apikey", r)
		case r.OK():
			t.Fail(r.Ex, "%s without the apikey header was served (HTTP 200)", p.ep)
		}
	}
	t.Pass(last.Ex, "requests to all five endpoints without the apikey header are refused (HTTP %d)", last.Status())
}

func checkG3(t *T) {
	m, b0 := t.richBalance()
	if m == nil {
		return
	}
	keys := []struct {
		label string
		opt   api.CallOption
	}{
		{"no apikey", api.WithoutKey()},
		{"a wrong apikey", api.WithKey("loyalcheck-wrong-key-" + randomHex(8))},
	}
	// The five valid requests and a retail that spends: a target that
	// served one would move the balance.
	probes := append(t.validRequests(m),
		probe{ep: api.EpRetail, body: api.RetailRequest{Client: m.id, Point: t.s.point, Amount: 100, Spend: 1}})
	var tolerated []string
	var tolEx, last *api.Exchange
	for _, k := range keys {
		for _, p := range probes {
			r := t.doJSON(p.ep, p.body, k.opt)
			last = r.Ex
			switch {
			case r.Err != nil:
				t.Broken(string(p.ep)+" with "+k.label, r)
			case r.OK():
				t.Warn(r.Ex, "%s with %s succeeded (HTTP 200)", p.ep, k.label)
			case r.Status() == http.StatusUnauthorized || r.Status() == http.StatusForbidden:
				tolerated = append(tolerated, fmt.Sprintf("%s with %s: %d", p.ep, k.label, r.Status()))
				tolEx = r.Ex
			case r.Status() != 422:
				t.Warn(r.Ex, "%s with %s answered HTTP %d; want 422 (401/403 tolerated)", p.ep, k.label, r.Status())
			}
		}
	}
	b1, r, ok := t.balance(m)
	if !ok {
		return
	}
	if !api.Near(b1, b0) {
		t.Warn(r.Ex, "requests with no or a wrong apikey moved the balance from %s to %s", n(b0), n(b1))
	}
	if len(tolerated) > 0 {
		t.Warn(tolEx, "tolerated difference: %d of %d requests with no or a wrong apikey answered 401/403 instead of 422 (%s)",
			len(tolerated), len(keys)*len(probes), tolerated[0])
	} else {
		t.Pass(last, "requests with no or a wrong apikey are refused with 422 and change nothing")
	}
}

// errorTriggers are valid-looking requests the target must refuse, each
// on one field: the documented errors and a few obvious ones.
func (t *T) errorTriggers() []probe {
	out := []probe{
		{"search for an unknown identifier", api.EpSearch, api.SearchRequest{Search: "loyalcheck-unknown-" + randomHex(6), Point: t.s.point}},
	}
	if m := t.s.roles.any(); m != nil {
		out = append(out,
			probe{"recalc at an unknown point", api.EpRecalc, api.RecalcRequest{Client: m.id, Point: unknownID(), Amount: 100}},
			probe{"hold for an unknown client", api.EpHold, api.HoldRequest{Client: unknownID(), Point: t.s.point, Amount: 1}},
			probe{"retail for an unknown client", api.EpRetail, api.RetailRequest{Client: unknownID(), Point: t.s.point, Amount: 100}},
		)
	}
	if m := t.s.roles.rich; m != nil {
		out = append(out,
			probe{"hold of more than the balance", api.EpHold, api.HoldRequest{Client: m.id, Point: t.s.point, Amount: 1e9}},
			probe{"retail spending more than the balance", api.EpRetail, api.RetailRequest{Client: m.id, Point: t.s.point, Amount: 1e9, Spend: 1e9 - 1}},
		)
	}
	return out
}

func checkG4(t *T) {
	var last *reply
	for _, tr := range t.errorTriggers() {
		r := t.doJSON(tr.ep, tr.body)
		last = r
		switch {
		case r.Err != nil:
			t.Broken(tr.what, r)
		case r.OK():
			t.Fail(r.Ex, "%s was accepted (HTTP 200)", tr.what)
		case r.Status() != 422:
			t.Fail(r.Ex, "%s answered HTTP %d; every error must be 422", tr.what, r.Status())
		case len(r.Fields) == 0:
			t.Fail(r.Ex, "%s answered 422 with %q; want a JSON object of field -> message", tr.what, api.Snippet(bytes.TrimSpace(r.Ex.Body), 80))
		}
	}
	t.Pass(last.Ex, "errors answer 422 with a JSON object of field -> message")
}

func checkG5(t *T) {
	var last *reply
	triggers := t.errorTriggers()
	bodies := []struct {
		ep   api.Endpoint
		body string
	}{{api.EpSearch, `{`}, {api.EpRecalc, `[]`}, {api.EpRetail, `{"client": 5}`}}
	// A request that got no answer showed no error body: G5 is
	// unverified on it, not passed.
	var lost []lostCall
	for _, tr := range triggers {
		r := t.doJSON(tr.ep, tr.body)
		last = r
		if r.Err != nil {
			lost = append(lost, lostCall{tr.what, r})
		}
		t.judgeErrorBody(r, tr.what)
	}
	for _, b := range bodies {
		r := t.do(b.ep, []byte(b.body))
		what := fmt.Sprintf("%s with body %s", b.ep, b.body)
		if r.Err != nil {
			lost = append(lost, lostCall{what, r})
		}
		t.judgeErrorBody(r, what)
	}
	t.partial("requests that must be refused", len(triggers)+len(bodies), lost)
	if last != nil {
		t.Pass(last.Ex, "error bodies hold only field -> string pairs (and at most \"success\": false)")
	}
}

// judgeErrorBody warns about an error body with anything but field ->
// string pairs and "success": false (G5), once per body. Non-error answers
// are not its concern.
func (t *T) judgeErrorBody(r *reply, what string) {
	if r.Err != nil || r.OK() || r.Ex == nil {
		return
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(r.Ex.Body, &obj); err != nil || obj == nil {
		t.Warn(r.Ex, "%s: the error body is not a JSON object", what)
		return
	}
	for k, v := range obj {
		if k == "success" {
			if string(bytes.TrimSpace(v)) != "false" {
				t.Warn(r.Ex, "%s: the error body has \"success\": %s; only false is allowed", what, v)
				return
			}
			continue
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			t.Warn(r.Ex, "%s: the error body's %q is %s, not a message string", what, k, api.Snippet(v, 40))
			return
		}
	}
}

func checkG6(t *T) {
	m := t.rich()
	if m == nil {
		return
	}
	judge := func(what string, r *reply, payload string) {
		a := decodeOK(r)
		switch {
		case r.Err != nil || !r.OK():
			t.Broken(what, r)
		case a == nil || !isTrue(a.Success):
			if raw := rawField(r.Ex.Body, "success"); raw == nil {
				t.Warn(r.Ex, "%s: the 200 answer has no \"success\" field; want \"success\": true", what)
			} else {
				t.Warn(r.Ex, "%s: the 200 answer has \"success\": %s; want true", what, api.Snippet(raw, 20))
			}
		case payload != "" && !isObject(rawField(r.Ex.Body, payload)):
			t.Warn(r.Ex, "%s: the 200 answer has no %q object", what, payload)
		}
	}
	_, r := t.search(m.key)
	judge("search", r, "client")
	_, r = t.recalc(api.RecalcRequest{Client: m.id, Point: t.s.point, Amount: 100})
	judge("recalc", r, "recalc")
	h, r := t.hold(api.HoldRequest{Client: m.id, Point: t.s.point, Amount: 1})
	judge("hold", r, "held")
	if h != nil {
		_, r = t.release(string(h.ID))
		judge("release", r, "")
	}
	_, r = t.retail(api.RetailRequest{Client: m.id, Point: t.s.point, Amount: 50, Spend: 0})
	judge("retail", r, "retail")
	t.Pass(r.Ex, "successes answer 200 with \"success\": true and their payload")
}

func isObject(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

func checkG7(t *T) {
	m := t.rich()
	if m == nil {
		return
	}
	h, _ := t.holdOf(m, 1, nil)
	if h == nil {
		return
	}
	b0, _, ok := t.balance(m)
	if !ok {
		return
	}
	a := amountFor(5, m.maxPct)
	rc, _ := t.recalcOf(m, a)
	if rc == nil {
		return
	}
	refused := 0
	probes := []probe{
		{"a retail spending recalc's spend + 1", api.EpRetail, api.RetailRequest{Client: m.id, Point: t.s.point, Amount: a, Spend: rc.Spend.V + 1}},
		{"a hold of more than the balance", api.EpHold, api.HoldRequest{Client: m.id, Point: t.s.point, Amount: b0 + 1}},
		{"a retail at an unknown point", api.EpRetail, api.RetailRequest{Client: m.id, Point: unknownID(), Amount: 100, Spend: 1}},
		{"an accruing retail at an unknown point", api.EpRetail, api.RetailRequest{Client: m.id, Point: unknownID(), Amount: 100}},
	}
	// A request neither accepted nor refused (no answer, a 5xx) may or
	// may not have had an effect: G7 is unverified on it.
	var lost []lostCall
	defer func() { t.partial("requests that must be refused", len(probes), lost) }()
	for _, p := range probes {
		r := t.doJSON(p.ep, p.body)
		if !r.Refused() {
			if !r.OK() {
				lost = append(lost, lostCall{p.what, r})
			}
			continue // acceptance is judged by the rules of the endpoint
		}
		refused++
		if !t.keptBalance(m, &b0, p.what, r) {
			return
		}
	}
	t.Pass(nil, "%d refused requests left the balance (%s) and an active hold as they were", refused, n(b0))
}

// keptBalance checks that a refused request (what, answered r) left m's
// balance at *b0: a move is warned about and becomes the new *b0. It is
// false when the balance could not be read (recorded as broken).
func (t *T) keptBalance(m *member, b0 *float64, what string, r *reply) bool {
	b, br, ok := t.balance(m)
	if !ok {
		return false
	}
	if !api.Near(b, *b0) {
		t.Warn(br.Ex, "%s was refused (HTTP %d) but the balance moved from %s to %s", what, r.Status(), n(*b0), n(b))
		*b0 = b
	}
	return true
}

func checkG8(t *T) {
	m := t.rich()
	if m == nil {
		return
	}
	wantID := func(ex *api.Exchange, path ...string) {
		raw := rawField(ex.Body, path...)
		if !isJSONString(raw) {
			t.Warn(ex, "%s is %s; want a non-empty string id", strings.Join(path, "."), api.Snippet(raw, 40))
		}
	}
	wantNum := func(ex *api.Exchange, optional bool, path ...string) {
		raw := rawField(ex.Body, path...)
		if optional && (len(raw) == 0 || string(raw) == "null") {
			return
		}
		var f float64
		if len(raw) == 0 || raw[0] == '"' || json.Unmarshal(raw, &f) != nil {
			t.Warn(ex, "%s is %s; want a JSON number", strings.Join(path, "."), api.Snippet(raw, 40))
		}
	}
	_, r := t.search(m.key)
	if !r.OK() {
		t.Broken("search", r)
		return
	}
	wantID(r.Ex, "client", "id")
	wantID(r.Ex, "client", "level", "id")
	wantNum(r.Ex, false, "client", "balance")
	wantNum(r.Ex, false, "client", "level", "percent")
	wantNum(r.Ex, false, "client", "level", "maxSpendPercent")
	// An answer that is not a 200 shows no types to judge: G8 is
	// unverified on that endpoint.
	var lost []lostCall
	_, r = t.recalc(api.RecalcRequest{Client: m.id, Point: t.s.point, Amount: 100})
	if r.OK() {
		for _, f := range []string{"amount", "percent", "spend", "earn"} {
			wantNum(r.Ex, false, "recalc", f)
		}
	} else {
		lost = append(lost, lostCall{"recalc", r})
	}
	if _, r = t.hold(api.HoldRequest{Client: m.id, Point: t.s.point, Amount: 1}); r.OK() {
		wantID(r.Ex, "held", "id")
		wantNum(r.Ex, false, "held", "until")
		wantNum(r.Ex, false, "held", "amount")
	} else {
		lost = append(lost, lostCall{"hold", r})
	}
	if _, r = t.retail(api.RetailRequest{Client: m.id, Point: t.s.point, Amount: 20}); r.OK() {
		for _, f := range []string{"amount", "total", "percent"} {
			wantNum(r.Ex, false, "retail", f)
		}
		wantNum(r.Ex, true, "retail", "earn")
		wantNum(r.Ex, true, "retail", "spend")
	} else {
		lost = append(lost, lostCall{"retail", r})
	}
	t.Pass(r.Ex, "ids are non-empty strings; money and points are JSON numbers")
	t.partial("answers of recalc, hold and retail", 3, lost)
}
