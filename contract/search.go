package contract

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"loyalcheck/api"
)

func searchChecks() []check {
	return []check{
		{name: "s1-unknown-client", rule: "S1", run: checkS1,
			summary: `an unknown identifier (text, phone or card number) answers 422 {"client": "Client not found."}`},
		{name: "s2-unknown-point", rule: "S2", run: checkS2,
			summary: `an unknown point answers 422 {"point": "Point not found."}`},
		{name: "s3-discount-balance", rule: "S3", run: checkS3,
			summary: "a discount client's balance is 0"},
		{name: "s4-hold-balance", rule: "S4", run: checkS4,
			summary: "the balance excludes active holds, except listed ones"},
		{name: "s5-identifiers", rule: "S5", run: checkS5,
			summary: "phone, card and app code find the same client"},
		{name: "s6-optional-fields", rule: "S6", run: checkS6,
			summary: "photo, birthday and email are null, absent or of the documented form"},
		{name: "s7-ranges", rule: "S7", run: checkS7,
			summary: "percent and maxSpendPercent lie in 0..100, the balance is not negative"},
	}
}

// sev reports a breach of some weight (t.Fail, t.Warn or t.Breach).
type sev func(ex *api.Exchange, format string, a ...any)

// expectRefusal judges an answer that must be 422 naming key (with
// message msg when msg is not empty); a deviation is reported with bad.
// It returns true when the answer is as expected.
func (t *T) expectRefusal(r *reply, what, key, msg string, bad sev) bool {
	switch {
	case r.Err != nil:
		t.Broken(what, r)
	case r.OK():
		bad(r.Ex, "%s was accepted (HTTP 200); want 422 with key %q", what, key)
	case r.Status() != 422:
		bad(r.Ex, "%s answered HTTP %d; want 422 with key %q", what, r.Status(), key)
	case !r.Has(key):
		bad(r.Ex, "%s answered 422 without key %q (keys: %s)", what, key, r.Keys())
	case msg != "" && r.Fields[key] != msg:
		bad(r.Ex, "%s answered %q: %q; want %q", what, key, r.Fields[key], msg)
	default:
		return true
	}
	return false
}

// refusal is a request body that must be refused with 422 naming key.
type refusal struct {
	what string
	body map[string]any
	key  string
}

// expectRefusals sends each case to ep, warning about any not refused
// with its key, and returns the last answer.
func (t *T) expectRefusals(ep api.Endpoint, cases []refusal) *reply {
	var last *reply
	for _, c := range cases {
		last = t.doJSON(ep, c.body)
		t.expectRefusal(last, c.what, c.key, "", t.Warn)
	}
	return last
}

// checkS1 searches unknown identifiers of each shape a search takes: free
// text (an app code), a phone-length number and a card-length number. The
// numbers start with zeros, which no phone or card number issued does.
func checkS1(t *T) {
	var last *reply
	for _, u := range []struct{ what, val string }{
		{"an unknown identifier", "loyalcheck-unknown-" + randomHex(6)},
		{"an unknown phone-length number", "0" + randomDigits(10)},
		{"an unknown card-length number", "00000" + randomDigits(8)},
	} {
		r := t.doJSON(api.EpSearch, api.SearchRequest{Search: u.val, Point: t.s.point})
		last = r
		t.expectRefusal(r, "searching "+u.what+" "+u.val, "client", api.MsgClientNotFound, t.Fail)
	}
	t.Pass(last.Ex, "unknown identifiers (text, phone and card numbers) answer 422 %s", last.Ex.Body)
}

func checkS2(t *T) {
	m := t.anyClient()
	if m == nil {
		return
	}
	r := t.doJSON(api.EpSearch, api.SearchRequest{Search: m.key, Point: unknownID()})
	if t.expectRefusal(r, "searching at an unknown point", "point", api.MsgPointNotFound, t.Fail) {
		t.Pass(r.Ex, "an unknown point answers 422 %s", r.Ex.Body)
	}
}

func checkS3(t *T) {
	m := t.discount()
	if m == nil {
		return
	}
	c, r := t.search(m.key)
	switch {
	case c == nil:
		t.Broken("searching the discount client", r)
	case !c.Balance.Set || c.Balance.V != 0:
		t.Fail(r.Ex, "discount client %s shows balance %s; want 0", m.key, string(rawField(r.Ex.Body, "client", "balance")))
	default:
		t.Pass(r.Ex, "discount client %s shows balance 0", m.key)
	}
}

func checkS4(t *T) {
	m, bal := t.richBalance()
	if m == nil {
		return
	}
	x := max(1, float64(int(bal/4)))
	h, hr := t.hold(api.HoldRequest{Client: m.id, Point: t.s.point, Amount: x})
	if h == nil || h.ID == "" {
		t.Broken("holding "+n(x)+" points", hr)
		return
	}
	unlisted, ur, ok := t.balance(m)
	if !ok {
		return
	}
	listed, lr, ok := t.balance(m, string(h.ID))
	if !ok {
		return
	}
	if !api.Near(unlisted, bal-x) {
		t.Warn(ur.Ex, "with a hold of %s active, search shows balance %s; want %s (balance less active holds)", n(x), n(unlisted), n(bal-x))
	}
	if !api.Near(listed, bal) {
		t.Fail(lr.Ex, "search listing the active hold of %s shows balance %s; want %s (listed holds count as available)", n(x), n(listed), n(bal))
	}
	// Every active hold counts, wherever it was made: a hold at another
	// point lowers the balance seen here too, and listing it frees it.
	other := t.s.otherPoint()
	if other == "" {
		t.Pass(lr.Ex, "a hold of %s lowers the balance from %s to %s; listing it shows %s", n(x), n(bal), n(unlisted), n(listed))
		t.Skip("fixtures list one point: that a hold at another point counts in the balance is unverified")
		return
	}
	y := max(1, float64(int(bal/8)))
	h2, hr2 := t.hold(api.HoldRequest{Client: m.id, Point: other, Amount: y})
	if h2 == nil || h2.ID == "" {
		t.Broken("holding "+n(y)+" points at a second point", hr2)
		return
	}
	both, br, ok := t.balance(m)
	if !ok {
		return
	}
	if !api.Near(both, bal-x-y) {
		t.Warn(br.Ex, "with holds of %s here and %s at point %s active, search here shows balance %s; want %s (every active hold counts)",
			n(x), n(y), other, n(both), n(bal-x-y))
	}
	all, ar, ok := t.balance(m, string(h.ID), string(h2.ID))
	if !ok {
		return
	}
	if !api.Near(all, bal) {
		t.Fail(ar.Ex, "search listing both active holds (%s here, %s at point %s) shows balance %s; want %s", n(x), n(y), other, n(all), n(bal))
	}
	t.Pass(ar.Ex, "holds of %s here and %s at another point lower the balance from %s to %s; listing them shows %s",
		n(x), n(y), n(bal), n(both), n(all))
}

// checkS5 searches every role client by each identifier the fixtures list
// for it, so both client types and all three kinds of identifier are
// covered. Not being found is the doc part of S5 (the page lists phone,
// card and app code as search identifiers) and fails; being found as
// another id is the interp part and warns.
func checkS5(t *T) {
	if t.s.roles.multi == nil {
		t.Skip("fixtures list no client with more than one identifier (phone, card, code)")
		return
	}
	kinds := []string{"phone", "card", "code"}
	searched := map[string]int{}
	var last *reply
	for _, m := range t.s.roles.members() {
		for i, val := range []string{m.fx.Phone, m.fx.Card, m.fx.Code} {
			if val == "" {
				continue
			}
			k := kinds[i]
			searched[k]++
			c, r := t.search(val)
			last = r
			switch {
			case r.Err != nil:
				t.Broken("searching "+m.key+" by its "+k+" "+val, r)
			case c == nil:
				t.Fail(r.Ex, "client %s is not found by its %s %s: %s", m.key, k, val, r.Describe())
			case string(c.ID) != m.id:
				t.Warn(r.Ex, "searching by %s %s finds client id %q; by %s it is %q", k, val, c.ID, m.key, m.id)
			}
		}
	}
	// Clients discovery could not search were not examined either.
	t.partialDiscovery()
	t.Pass(last.Ex, "each identifier of %d clients finds its client, with the same id (%d phones, %d cards, %d codes)",
		len(t.s.roles.members()), searched["phone"], searched["card"], searched["code"])
	var unlisted []string
	for _, k := range kinds {
		if searched[k] == 0 {
			unlisted = append(unlisted, k)
		}
	}
	if len(unlisted) > 0 {
		t.Skip("search by %s is unverified: no role client lists one in the fixtures", strings.Join(unlisted, " or "))
	}
}

var (
	dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	urlRE  = regexp.MustCompile(`^(https?:)?//\S+$|^/\S*$`)
)

// searchMembers searches every role client once (fresh evidence). The
// rule the check judges on them is unverified on the clients it could not
// see: those discovery could not search and those whose search here got
// no usable answer (partial records both, and breaks of G4/G6).
func (t *T) searchMembers() []struct {
	m *member
	c *wClient
	r *reply
} {
	var out []struct {
		m *member
		c *wClient
		r *reply
	}
	ms := t.s.roles.members()
	var lost []lostCall
	for _, m := range ms {
		c, r := t.search(m.key)
		if c == nil {
			lost = append(lost, lostCall{"searching " + m.key, r})
			continue
		}
		out = append(out, struct {
			m *member
			c *wClient
			r *reply
		}{m, c, r})
	}
	t.partialDiscovery()
	t.partial("searches of role clients", len(ms), lost)
	return out
}

func checkS6(t *T) {
	if t.anyClient() == nil {
		return
	}
	missing := 0
	xs := t.searchMembers()
	for _, x := range xs {
		for _, f := range []struct {
			name string
			raw  json.RawMessage
			ok   func(string) bool
			want string
		}{
			{"photo", x.c.Photo, urlRE.MatchString, "a URL string"},
			{"birthday", x.c.Birthday, func(s string) bool {
				_, err := time.Parse("2006-01-02", s)
				return dateRE.MatchString(s) && err == nil
			}, "a YYYY-MM-DD date"},
			{"email", x.c.Email, func(string) bool { return true }, "a string"},
		} {
			if absent(f.raw) {
				missing++
				continue
			}
			var s string
			if err := json.Unmarshal(f.raw, &s); err != nil || !f.ok(s) {
				t.Warn(x.r.Ex, "client %s: %s is %s; want %s, null or absent", x.m.key, f.name, api.Snippet(f.raw, 60), f.want)
			}
		}
	}
	if len(xs) == 0 {
		t.Skip("no client could be examined")
		return
	}
	t.Pass(nil, "optional fields of %d clients are null, absent or well-formed (%d null or absent)", len(xs), missing)
}

func checkS7(t *T) {
	if t.anyClient() == nil {
		return
	}
	xs := t.searchMembers()
	for _, x := range xs {
		l := x.c.Level
		if !l.Percent.Set || l.Percent.V < 0 || l.Percent.V > 100 {
			t.Warn(x.r.Ex, "client %s: level.percent is %s; want 0..100", x.m.key, rawField(x.r.Ex.Body, "client", "level", "percent"))
		}
		if raw := rawField(x.r.Ex.Body, "client", "level", "maxSpendPercent"); len(raw) > 0 && string(raw) != "null" &&
			(!l.MaxSpendPercent.Set || l.MaxSpendPercent.V < 0 || l.MaxSpendPercent.V > 100) {
			t.Warn(x.r.Ex, "client %s: level.maxSpendPercent is %s; want 0..100", x.m.key, raw)
		}
		if !x.c.Balance.Set || x.c.Balance.V < 0 {
			t.Warn(x.r.Ex, "client %s: balance is %s; want a number >= 0", x.m.key, rawField(x.r.Ex.Body, "client", "balance"))
		}
	}
	if len(xs) == 0 {
		t.Skip("no client could be examined")
		return
	}
	t.Pass(nil, "percents lie in 0..100 and balances are not negative (%d clients)", len(xs))
}

// rawField returns the raw JSON at path in body, or nil.
func rawField(body []byte, path ...string) json.RawMessage {
	raw := json.RawMessage(body)
	for _, p := range path {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil
		}
		var ok bool
		if raw, ok = obj[p]; !ok {
			return nil
		}
	}
	return raw
}
