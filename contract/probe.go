package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"loyalcheck/api"
	"loyalcheck/schemas"
)

// reply is one answer as a check sees it.
type reply struct {
	Ex  *api.Exchange
	Err error // no HTTP answer (transport error, timeout)
	// Fields are the error body's field -> message pairs; Shaped is true
	// when the body has the documented shape (G4/G5).
	Fields map[string]string
	Shaped bool
}

// Status is the HTTP status, 0 when there was no answer.
func (r *reply) Status() int {
	if r.Err != nil || r.Ex == nil {
		return 0
	}
	return r.Ex.Status
}

// OK reports an HTTP 200 answer.
func (r *reply) OK() bool { return r.Status() == http.StatusOK }

// Refused reports a 4xx answer.
func (r *reply) Refused() bool { return r.Status() >= 400 && r.Status() < 500 }

// Documented reports a 422 answer with a G4/G5 body.
func (r *reply) Documented() bool { return r.Status() == 422 && r.Shaped }

// Has reports whether the error body names field.
func (r *reply) Has(field string) bool { _, ok := r.Fields[field]; return ok }

// Keys lists the error body's field names.
func (r *reply) Keys() string {
	ks := make([]string, 0, len(r.Fields))
	for k := range r.Fields {
		ks = append(ks, k)
	}
	sortStrings(ks)
	return strings.Join(ks, ", ")
}

// Describe says in a few words what came back.
func (r *reply) Describe() string {
	switch {
	case r.Ex == nil && r.Err != nil:
		return r.Err.Error()
	case r.Err != nil:
		return "no answer: " + r.Err.Error()
	case r.Ex == nil:
		return "no exchange"
	}
	return fmt.Sprintf("HTTP %d %s", r.Ex.Status, api.Snippet(bytes.TrimSpace(r.Ex.Body), 160))
}

// do sends a raw body through the client, then validates and books the
// answer. It is the one way a check talks to the target.
func (t *T) do(ep api.Endpoint, body []byte, opts ...api.CallOption) *reply {
	t.guardWrite(ep)
	if err := t.ctx.Err(); err != nil {
		// Interrupted: nothing more is sent (the clean-up has its own
		// context).
		ex := &api.Exchange{Endpoint: ep, URL: t.s.c.URL(ep), Request: body, KeySent: "configured"}
		return &reply{Ex: ex, Err: &api.TransportError{Endpoint: ep, Err: err}}
	}
	if why := t.s.dead(ep); why != "" {
		// The endpoint stopped answering: fail fast rather than wait a
		// timeout per call for the rest of the run.
		ex := &api.Exchange{Endpoint: ep, URL: t.s.c.URL(ep), Request: body, KeySent: "configured"}
		t.remember(ex)
		return &reply{Ex: ex, Err: &api.TransportError{Endpoint: ep, Err: errors.New(why)}}
	}
	ctx := t.ctx
	if ep.Writes() {
		// A write once sent runs to its answer (bounded by the client's
		// timeout) even if the run is interrupted meanwhile: the answer
		// may carry a hold id the clean-up must release.
		ctx = context.WithoutCancel(ctx)
	}
	var ex *api.Exchange
	var err error
	if ep == api.EpHold {
		var handed bool
		if ex, err, handed = t.s.sendHold(ctx, body, opts...); handed {
			// Booked below (observe): only then may the clean-up sweep.
			defer t.s.flights.End()
			if err != nil {
				t.s.noteLost()
			}
		}
	} else {
		ex, err = t.s.c.Do(ctx, ep, body, opts...)
	}
	t.s.noteAnswer(t.ctx, ep, err)
	r := &reply{Ex: ex, Err: err}
	if ex != nil {
		t.remember(ex)
		t.s.observe(ex, err)
	}
	if err == nil && ex != nil && ex.Status != http.StatusOK {
		r.Fields, r.Shaped = api.ParseErrorBody(ex.Body)
	}
	if ep == api.EpHold {
		// Every accepted hold, bad-input probes included, is released when
		// the check ends.
		if a := decodeOK(r); a != nil && a.Held != nil && a.Held.ID != "" {
			t.mu.Lock()
			t.holds = append(t.holds, string(a.Held.ID))
			t.mu.Unlock()
		}
	}
	return r
}

// doJSON marshals v and sends it.
func (t *T) doJSON(ep api.Endpoint, v any, opts ...api.CallOption) *reply {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", v, err)) // the suite's own request types always marshal
	}
	return t.do(ep, b, opts...)
}

// probe is one request a check sends: what it is (for its messages),
// where, and the body doJSON marshals.
type probe struct {
	what string
	ep   api.Endpoint
	body any
}

// validRequests is one valid request per endpoint for m (release of an
// unknown id, a retail that only accrues): what checks that vary how a
// request is sent (method, apikey) send.
func (t *T) validRequests(m *member) []probe {
	return []probe{
		{ep: api.EpSearch, body: api.SearchRequest{Search: m.key, Point: t.s.point}},
		{ep: api.EpRecalc, body: api.RecalcRequest{Client: m.id, Point: t.s.point, Amount: 100}},
		{ep: api.EpHold, body: api.HoldRequest{Client: m.id, Point: t.s.point, Amount: 1}},
		{ep: api.EpRelease, body: api.ReleaseRequest{ID: unknownID()}},
		{ep: api.EpRetail, body: api.RetailRequest{Client: m.id, Point: t.s.point, Amount: 10, Spend: 0}},
	}
}

// maxSilent is how many calls in a row an endpoint may leave unanswered
// before the suite stops calling it.
const maxSilent = 3

func (s *suite) noteAnswer(ctx context.Context, ep api.Endpoint, err error) {
	if ctx.Err() != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil && api.IsTransport(err) {
		s.silent[ep]++
	} else {
		s.silent[ep] = 0
	}
}

func (s *suite) dead(ep api.Endpoint) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.silent[ep] >= maxSilent {
		return fmt.Sprintf("not sent: %s gave no answer to %d calls in a row", ep, s.silent[ep])
	}
	return ""
}

// observe validates an answer against its schema, books its effect in the
// ledger and counts refusals of the apikey.
func (s *suite) observe(ex *api.Exchange, err error) {
	if ex.KeySent == "configured" {
		s.mu.Lock()
		s.calls++
		if why := keyRefusal(ex, err); why != "" {
			s.refused++
			s.lastRef = why
		}
		s.mu.Unlock()
	}
	if err != nil {
		return
	}
	s.noteRedirect(ex)
	for _, v := range s.cfg.validator.Answer(ex) {
		s.noteSchema(ex, v)
	}
	if ex.Status == http.StatusOK {
		s.led.observe(ex)
	}
}

// keyRefusal says why an answer counts as refusing the configured key, or
// "" when it does not.
func keyRefusal(ex *api.Exchange, err error) string {
	if err != nil {
		return err.Error()
	}
	switch ex.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Sprintf("HTTP %d", ex.Status)
	}
	if ex.Status >= 400 && ex.Status < 500 {
		fields, _ := api.ParseErrorBody(ex.Body)
		for k := range fields {
			switch strings.ToLower(k) {
			case "apikey", "api_key", "api-key", "key", "auth", "authorization", "token":
				return fmt.Sprintf("HTTP %d on %q", ex.Status, k)
			}
		}
	}
	return ""
}

// schemaHit is one distinct schema violation and how often it was seen.
type schemaHit struct {
	v  schemas.Violation
	ex *api.Exchange
	n  int
}

func (s *suite) noteSchema(ex *api.Exchange, v schemas.Violation) {
	kind := "error"
	if ex.Status == http.StatusOK {
		kind = "success"
	}
	key := v.Rule + "|" + string(ex.Endpoint) + "|" + kind + "|" + v.Path
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.schema[key]; ok {
		h.n++
		return
	}
	s.schema[key] = &schemaHit{v: v, ex: ex, n: 1}
	s.order = append(s.order, key)
}

// noteRedirect books a 3xx answer as a G4 violation (every error is a
// 422; the API has no redirects), naming where it pointed. The client did
// not follow it, so the apikey went nowhere else.
func (s *suite) noteRedirect(ex *api.Exchange) {
	if !ex.IsRedirect() {
		return
	}
	s.noteSchema(ex, schemas.Violation{Path: "(status)", Rule: "G4",
		Message: fmt.Sprintf("HTTP %d redirect to %s: the API has no redirects (not followed; the apikey was not sent there)", ex.Status, ex.Redirect)})
}

// flushSchema turns the schema violations seen into failures, one per
// rule, endpoint and field path.
func (s *suite) flushSchema() {
	s.mu.Lock()
	keys := s.order
	hits := s.schema
	s.order, s.schema = nil, map[string]*schemaHit{}
	s.mu.Unlock()
	for _, k := range keys {
		h := hits[k]
		ruleID := h.v.Rule
		rule, ok := api.RuleByID(ruleID)
		if !ok {
			ruleID = "G6"
			if h.ex.Status != http.StatusOK {
				ruleID = "G4"
			}
			rule, _ = api.RuleByID(ruleID)
		}
		if !s.cfg.selected(SchemaCheck, rule.ID) {
			continue
		}
		msg := fmt.Sprintf("%s answer (HTTP %d) breaks its schema at %s: %s", h.ex.Endpoint, h.ex.Status, h.v.Path, h.v.Message)
		if h.v.Path == "(status)" {
			msg = fmt.Sprintf("%s answer: %s", h.ex.Endpoint, h.v.Message)
		}
		if h.n > 1 {
			msg += fmt.Sprintf(" (%d answers)", h.n)
		}
		s.add(Finding{Rule: rule.ID, Check: SchemaCheck, Area: rule.Area, Kind: rule.Kind, Status: Fail,
			Message: msg, Evidence: evidenceOf(h.ex)})
	}
}

// --- lenient decoding of answers -------------------------------------------
//
// The suite judges types through the schemas; its own decoding takes what
// it can (a number sent as a string, an id sent as a number) so one wrong
// type does not blind every later check.

// num is a JSON number that also accepts a numeric string; Set is false
// when the value was absent, null or not numeric.
type num struct {
	V   float64
	Set bool
}

func (n *num) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var f float64
	if err := json.Unmarshal(b, &f); err == nil {
		*n = num{f, true}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			*n = num{f, true}
		}
	}
	return nil
}

// str is a JSON string that also accepts a number (as its text).
type str string

func (s *str) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var v string
	if err := json.Unmarshal(b, &v); err == nil {
		*s = str(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*s = str(n.String())
	}
	return nil
}

type wLevel struct {
	ID              str `json:"id"`
	Title           str `json:"title"`
	Percent         num `json:"percent"`
	Type            str `json:"type"`
	MaxSpendPercent num `json:"maxSpendPercent"`
}

type wClient struct {
	ID       str             `json:"id"`
	Name     str             `json:"name"`
	Photo    json.RawMessage `json:"photo"`
	Birthday json.RawMessage `json:"birthday"`
	Email    json.RawMessage `json:"email"`
	Level    wLevel          `json:"level"`
	Phone    json.RawMessage `json:"phone"`
	Balance  num             `json:"balance"`
}

type wRecalc struct {
	Amount  num `json:"amount"`
	Percent num `json:"percent"`
	Type    str `json:"type"`
	Spend   num `json:"spend"`
	Earn    num `json:"earn"`
}

type wHeld struct {
	ID     str `json:"id"`
	Until  num `json:"until"`
	Amount num `json:"amount"`
}

type wRetail struct {
	Amount  num `json:"amount"`
	Total   num `json:"total"`
	Percent num `json:"percent"`
	Type    str `json:"type"`
	Spend   num `json:"spend"`
	Earn    num `json:"earn"`
}

type wAnswer struct {
	Success json.RawMessage `json:"success"`
	Client  *wClient        `json:"client"`
	Recalc  *wRecalc        `json:"recalc"`
	Held    *wHeld          `json:"held"`
	Retail  *wRetail        `json:"retail"`
}

// decodeOK decodes a 200 answer; nil when the reply is not a 200 or its
// body is not an object of the expected shape.
func decodeOK(r *reply) *wAnswer {
	if !r.OK() {
		return nil
	}
	var a wAnswer
	if err := json.Unmarshal(r.Ex.Body, &a); err != nil {
		return nil
	}
	return &a
}

// --- typed probes ------------------------------------------------------------

// search finds a client by key at the suite's point, listing holds.
func (t *T) search(key string, holds ...string) (*wClient, *reply) {
	return t.searchReq(api.SearchRequest{Search: key, Point: t.s.point, Hold: holds})
}

func (t *T) searchReq(req api.SearchRequest, opts ...api.CallOption) (*wClient, *reply) {
	r := t.doJSON(api.EpSearch, req, opts...)
	if a := decodeOK(r); a != nil && a.Client != nil {
		return a.Client, r
	}
	return nil, r
}

func (t *T) recalc(req api.RecalcRequest, opts ...api.CallOption) (*wRecalc, *reply) {
	r := t.doJSON(api.EpRecalc, req, opts...)
	if a := decodeOK(r); a != nil && a.Recalc != nil {
		return a.Recalc, r
	}
	return nil, r
}

// hold holds points; an accepted hold is released when the check ends.
func (t *T) hold(req api.HoldRequest, opts ...api.CallOption) (*wHeld, *reply) {
	r := t.doJSON(api.EpHold, req, opts...)
	if a := decodeOK(r); a != nil && a.Held != nil {
		return a.Held, r
	}
	return nil, r
}

// release ends a hold; ok is true for a 200 {"success": true}.
func (t *T) release(id string, opts ...api.CallOption) (bool, *reply) {
	r := t.doJSON(api.EpRelease, api.ReleaseRequest{ID: id}, opts...)
	a := decodeOK(r)
	return a != nil && isTrue(a.Success), r
}

func (t *T) retail(req api.RetailRequest, opts ...api.CallOption) (*wRetail, *reply) {
	r := t.doJSON(api.EpRetail, req, opts...)
	if a := decodeOK(r); a != nil && a.Retail != nil {
		return a.Retail, r
	}
	return nil, r
}

func isTrue(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "true" }
