package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"loyalcheck/api"
	"loyalcheck/scenarios"
)

// session is the state one checkout session carries from step to step.
type session struct {
	idx       uint64
	rng       *rand.Rand
	acct      *account
	point     string
	receipt   float64
	recalc    *api.RecalcResult
	holds     []*holdRec // this session's holds that are still active
	failed    bool
	aborted   bool
	firstErr  string
	firstCode uint16
}

// pickFlow chooses a flow by weight.
func pickFlow(r *rand.Rand, flows []scenarios.Flow) *scenarios.Flow {
	total := 0.0
	for _, f := range flows {
		total += f.Weight
	}
	x := r.Float64() * total
	for i := range flows {
		if x < flows[i].Weight {
			return &flows[i]
		}
		x -= flows[i].Weight
	}
	return &flows[len(flows)-1]
}

func (e *engine) runSession(ctx context.Context, w *worker, j sessionJob) {
	idx, seq, scheduled := j.idx, j.seq, j.scheduled
	r := e.rng(w, idx)
	flow := pickFlow(r, e.sc.Flows)
	s := &session{idx: idx, rng: r, acct: e.pool.pick(r), point: e.points[r.IntN(len(e.points))]}
	receipt := e.sc.Receipt
	if flow.Receipt != nil {
		receipt = *flow.Receipt
	}
	s.receipt = receipt.Sample(r)
	if s.receipt <= 0 {
		s.receipt = 1
	}
	// think is the time spent in the scenario's own pauses (a cashier
	// scanning, a customer paying): not the target's doing, so it is not
	// part of the session's latency.
	var think time.Duration
	for i := range flow.Steps {
		st := &flow.Steps[i]
		if d := st.Think.Sample(r); d > 0 {
			t0 := time.Now()
			w.pause(ctx, d)
			think += time.Since(t0)
		}
		if ctx.Err() != nil {
			s.aborted = true
			break
		}
		if !e.step(ctx, s, st) {
			break
		}
	}
	end := time.Now()
	res := vegeta.Result{
		Attack:    sessionAttack,
		Seq:       seq,
		Code:      http.StatusOK,
		Timestamp: scheduled,
		Latency:   max(end.Sub(scheduled)-think, 0),
		Method:    "SESSION",
		URL:       flow.Name,
	}
	out := outcomeOK
	if s.failed || s.aborted {
		out = outcomeUnexpected
		res.Code = s.firstCode
		res.Error = s.firstErr
		if s.aborted && res.Error == "" {
			res.Error = "aborted by interrupt"
		}
	}
	e.emit(&record{res: res, outcome: out, hot: s.acct.hot, aborted: s.aborted})
}

// stepResult is what one call produced, before it becomes a record:
// finish must be called on it exactly once, with any semantic violations
// found in the decoded answer.
type stepResult struct {
	ep      api.Endpoint
	ex      *api.Exchange
	err     error
	outcome outcome
	errText string
	viol    []violation
	typeErr *json.UnmarshalTypeError
	rec     *record
}

// step runs one step; false ends the session (a later step would have
// nothing to work with).
func (e *engine) step(ctx context.Context, s *session, st *scenarios.Step) bool {
	switch st.Op {
	case api.EpSearch:
		return e.stepSearch(ctx, s, st)
	case api.EpRecalc:
		return e.stepRecalc(ctx, s, st)
	case api.EpHold:
		return e.stepHold(ctx, s, st)
	case api.EpRelease:
		return e.stepRelease(ctx, s)
	case api.EpRetail:
		return e.stepRetail(ctx, s, st)
	}
	return false
}

func (s *session) holdIDs(with bool) []string {
	if !with || len(s.holds) == 0 {
		return nil
	}
	ids := make([]string, len(s.holds))
	for i, h := range s.holds {
		ids[i] = h.id
	}
	return ids
}

// call sends one request and turns its exchange into a record; expect422
// names the field of a 422 the step may provoke (a refusal, not an error).
func (e *engine) call(ctx context.Context, s *session, ep api.Endpoint, send func(context.Context) (*api.Exchange, error), expect422 string) stepResult {
	seq, ts := e.seqs.take(string(ep))
	sendCtx := ctx
	if ep.Writes() {
		// A write once sent runs to its answer (bounded by the client's
		// timeout) even when the drain ends meanwhile: a hold whose answer
		// is dropped could never be released.
		sendCtx = context.WithoutCancel(ctx)
	}
	ex, err := send(sendCtx)
	// The target's latency ends when the last byte of its answer is read:
	// decoding and validating it is the harness's own time.
	lat := time.Since(ts)
	if ex != nil && !ex.Start.IsZero() {
		lat = ex.Start.Add(ex.Latency).Sub(ts)
	}
	sr := stepResult{ep: ep, ex: ex, err: err, outcome: outcomeOK}
	var se *api.StatusError
	var de *api.DecodeError
	switch {
	case err != nil && api.IsTransport(err):
		sr.outcome, sr.errText = outcomeUnexpected, transportText(ctx, err)
	case errors.As(err, &se):
		if se.Status == http.StatusUnprocessableEntity && expect422 != "" && se.Has(expect422) {
			sr.outcome = outcomeRefused
		} else {
			sr.outcome, sr.errText = outcomeUnexpected, statusText(se)
		}
	case errors.As(err, &de):
		var te *json.UnmarshalTypeError
		if errors.Is(de.Err, api.ErrBodyTooLarge) {
			sr.outcome, sr.errText = outcomeUnexpected, "response body too large"
			break
		}
		if !errors.As(de.Err, &te) {
			sr.outcome, sr.errText = outcomeUnexpected, "undecodable 200 body"
			break
		}
		// encoding/json fills every field it can and reports the first
		// mistyped one: the session goes on with the rest, and the
		// mistyped field counts as a violation (the schema names it when
		// this response is validated).
		sr.err, sr.typeErr = nil, te
	case err != nil:
		sr.outcome, sr.errText = outcomeUnexpected, err.Error()
	}
	validated := false
	if ex != nil && ex.Status != 0 && e.sampler.take() {
		validated = true
		for _, v := range e.cfg.validator.Answer(ex) {
			sr.viol = append(sr.viol, violation{Rule: v.Rule, Detail: v.Path + ": " + v.Message})
		}
	}
	if sr.typeErr != nil && len(sr.viol) == 0 {
		sr.viol = append(sr.viol, violation{Rule: "G8", Detail: sr.typeErr.Field + ": JSON " + sr.typeErr.Value + " where " + sr.typeErr.Type.String() + " belongs"})
	}
	sr.rec = &record{
		res: vegeta.Result{
			Attack:    string(ep),
			Seq:       seq,
			Timestamp: ts,
			Latency:   lat,
			Method:    http.MethodPost,
			URL:       e.client.URL(ep),
		},
		hot:       s.acct.hot,
		validated: validated,
		aborted:   ctx.Err() != nil,
	}
	if ex != nil {
		sr.rec.res.Code = uint16(ex.Status)
		sr.rec.res.BytesOut = uint64(len(ex.Request))
		sr.rec.res.BytesIn = uint64(len(ex.Body))
	}
	return sr
}

// finish records the step with the semantic violations found in its
// decoded answer, and fails the session on an unexpected outcome.
func (e *engine) finish(s *session, sr *stepResult, extra ...violation) {
	rec := sr.rec
	rec.violations = append(sr.viol, extra...)
	rec.outcome = sr.outcome
	if len(rec.violations) > 0 && sr.outcome == outcomeOK {
		// A 200 with a wrong body is not a success.
		rec.outcome = outcomeUnexpected
		sr.errText = "contract " + rec.violations[0].Rule + ": " + firstField(rec.violations[0].Detail)
	}
	rec.res.Error = sr.errText
	if rec.outcome == outcomeUnexpected {
		s.fail(rec.res.Code, string(sr.ep)+": "+sr.errText)
	}
	e.emit(rec)
}

func (s *session) fail(code uint16, text string) {
	if !s.failed {
		s.failed, s.firstCode, s.firstErr = true, code, text
	}
}

// transportText keeps error strings low-cardinality: vegeta's Metrics keeps
// every distinct error string.
func transportText(ctx context.Context, err error) string {
	switch {
	case ctx.Err() != nil:
		return "aborted by interrupt"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "transport: " + trimErr(err)
}

func trimErr(err error) string {
	var te *api.TransportError
	if errors.As(err, &te) {
		err = te.Err
	}
	msg := err.Error()
	if len(msg) > 80 {
		msg = msg[:80]
	}
	return msg
}

func statusText(se *api.StatusError) string {
	if se.Redirect != "" {
		// Where it pointed, so a hostile redirect is seen; not followed.
		return fmt.Sprintf("HTTP %d redirect to %s", se.Status, se.Redirect)
	}
	if len(se.Fields) == 0 {
		return fmt.Sprintf("HTTP %d", se.Status)
	}
	keys := ""
	for k := range se.Fields {
		if keys == "" || k < keys {
			keys = k
		}
	}
	return fmt.Sprintf("HTTP %d {%s}", se.Status, keys)
}

func firstField(detail string) string {
	for i := 0; i < len(detail); i++ {
		if detail[i] == ':' {
			return detail[:i]
		}
	}
	return detail
}

func (e *engine) stepSearch(ctx context.Context, s *session, st *scenarios.Step) bool {
	var resp *api.SearchResponse
	sr := e.call(ctx, s, api.EpSearch, func(ctx context.Context) (ex *api.Exchange, err error) {
		resp, ex, err = e.client.Search(ctx, api.SearchRequest{Search: s.acct.key, Point: s.point, Hold: s.holdIDs(st.WithHold)})
		return ex, err
	}, "")
	var extra []violation
	if sr.outcome == outcomeOK && sr.err == nil {
		c := resp.Client
		if c.ID != s.acct.id {
			extra = append(extra, violation{"S5", fmt.Sprintf("client.id: search answered another id than at setup")})
		}
		if c.Level.Type == api.TypeDiscount && c.Balance != 0 {
			extra = append(extra, violation{"S3", "client.balance: discount client with a non-zero balance"})
		}
	}
	e.finish(s, &sr, extra...)
	return sr.outcome == outcomeOK
}

func (e *engine) stepRecalc(ctx context.Context, s *session, st *scenarios.Step) bool {
	var resp *api.RecalcResponse
	sr := e.call(ctx, s, api.EpRecalc, func(ctx context.Context) (ex *api.Exchange, err error) {
		resp, ex, err = e.client.Recalc(ctx, api.RecalcRequest{Client: s.acct.id, Point: s.point, Amount: s.receipt, Hold: s.holdIDs(st.WithHold)})
		return ex, err
	}, "")
	var extra []violation
	if sr.outcome == outcomeOK && sr.err == nil {
		rc := resp.Recalc
		if !api.Near(rc.Amount, s.receipt) {
			extra = append(extra, violation{"C1", "recalc.amount: does not echo the request's amount"})
		}
		if rc.Type == api.TypeCashback && api.Exceeds(rc.Spend, api.SpendCap(s.receipt, s.acct.maxSpend)) {
			extra = append(extra, violation{"C2", "recalc.spend: above amount x maxSpendPercent / 100"})
		}
		if rc.Type == api.TypeDiscount && (rc.Spend != 0 || rc.Earn != 0) {
			extra = append(extra, violation{"C5", "recalc: discount client may spend or earn"})
		}
		s.recalc = &rc
	}
	e.finish(s, &sr, extra...)
	return sr.outcome == outcomeOK
}

func (e *engine) stepHold(ctx context.Context, s *session, st *scenarios.Step) bool {
	var amount float64
	switch st.Hold {
	case scenarios.HoldMax:
		amount = math.Floor(s.recalc.Spend)
	case scenarios.HoldPart:
		amount = math.Floor(s.recalc.Spend * st.Fraction)
	case scenarios.HoldFixed:
		amount = float64(st.Points)
	}
	if amount < 1 {
		// Nothing to hold (zero balance or a discount client): the
		// session goes on without a hold, as a till would.
		return true
	}
	req := api.HoldRequest{Client: s.acct.id, Point: s.point, Amount: amount}
	if st.Duration > 0 {
		d := st.Duration
		req.Duration = &d
	}
	op := s.acct.begin(opHold, amount, s.point, "")
	var resp *api.HoldResponse
	handed := false
	sr := e.call(ctx, s, api.EpHold, func(ctx context.Context) (ex *api.Exchange, err error) {
		resp, ex, err, handed = e.awaitHold(ctx, s.acct, op, req)
		return ex, err
	}, "amount")
	if !handed {
		// Given up on: the request books its own answer (awaitHold).
		e.finish(s, &sr)
		return false
	}
	// Booked below: only then may the audit sweep.
	defer e.ledger.flights.End()
	var extra []violation
	switch {
	case sr.outcome == outcomeOK && sr.err == nil:
		h := resp.Held
		if !api.Near(h.Amount, amount) {
			extra = append(extra, violation{"H1", "held.amount: differs from the amount asked"})
		}
		minutes := 10
		if st.Duration > 0 {
			minutes = min(st.Duration, 30)
		}
		want := op.sent.Add(time.Duration(minutes) * time.Minute)
		until := time.Unix(int64(h.Until), 0)
		if until.Before(want.Add(-e.cfg.tolerance)) || until.After(time.Now().Add(time.Duration(minutes)*time.Minute+e.cfg.tolerance)) {
			extra = append(extra, violation{"H2", "held.until: not now + duration"})
		}
		if h.ID != "" {
			s.holds = append(s.holds, s.acct.held(op, h.Amount, h.ID, until))
		}
	default:
		s.acct.notAccepted(op, &sr)
	}
	e.finish(s, &sr, extra...)
	return sr.outcome != outcomeUnexpected
}

func (e *engine) stepRelease(ctx context.Context, s *session) bool {
	for _, h := range s.holds {
		op := s.acct.begin(opRelease, h.amount, s.point, h.id)
		sr := e.call(ctx, s, api.EpRelease, func(ctx context.Context) (*api.Exchange, error) {
			_, ex, err := e.client.Release(ctx, api.ReleaseRequest{ID: h.id})
			return ex, err
		}, "")
		if sr.outcome == outcomeOK && sr.err == nil {
			s.acct.done(op)
		} else {
			s.acct.unknown(op, &sr)
		}
		e.finish(s, &sr)
	}
	s.holds = nil
	return true
}

func (e *engine) stepRetail(ctx context.Context, s *session, st *scenarios.Step) bool {
	var spend float64
	bound := 0.0
	if s.recalc != nil {
		bound = math.Floor(s.recalc.Spend)
	}
	listed := s.holdIDs(st.WithHold)
	switch st.Spend {
	case scenarios.SpendMax:
		spend = bound
		if len(listed) > 0 {
			// A listed hold reserved these points for this very spend.
			spend = math.Min(bound, s.heldSum())
		}
	case scenarios.SpendPart:
		spend = math.Floor(bound * st.Fraction)
	case scenarios.SpendOver:
		spend = bound + 1
	}
	if s.acct.typ == api.TypeDiscount && st.Spend != scenarios.SpendOver {
		spend = 0
	}
	expect := ""
	if spend > 0 {
		// Another session may have spent the points since recalc, or
		// ended this session's hold by a retail at the same point (RT6):
		// a refusal is then correct. The ledger judges what was accepted.
		expect = "spend"
	}
	kind := opEarn
	if spend > 0 {
		kind = opSpend
	}
	op := s.acct.begin(kind, spend, s.point, "")
	var resp *api.RetailResponse
	sr := e.call(ctx, s, api.EpRetail, func(ctx context.Context) (ex *api.Exchange, err error) {
		resp, ex, err = e.client.Retail(ctx, api.RetailRequest{Client: s.acct.id, Point: s.point, Amount: s.receipt, Spend: spend, Hold: listed})
		return ex, err
	}, expect)
	sr.rec.spend = spend > 0
	var extra []violation
	switch {
	case sr.outcome == outcomeOK && sr.err == nil:
		rt := resp.Retail
		if st.Spend == scenarios.SpendOver && s.overCapped(spend) {
			extra = append(extra, violation{"RT1", "retail: a spend over amount x maxSpendPercent / 100 was accepted"})
		}
		if rt.Type == api.TypeDiscount && spend > 0 {
			extra = append(extra, violation{"RT7", "retail: a discount client spent points"})
		}
		if rt.SpendValue() > 0 && rt.EarnValue() > 0 {
			extra = append(extra, violation{"RT3", "retail: both spend and earn are positive"})
		}
		if rt.Type == api.TypeCashback && !api.TotalNear(rt.Total, rt.Amount, rt.SpendValue()) {
			extra = append(extra, violation{"RT2", "retail.total: is not amount - spend"})
		}
		spent := rt.SpendValue()
		if rt.Spend == nil {
			spent = spend
		}
		s.acct.retailDone(op, spent, rt.EarnValue())
		// Listed holds are consumed and the others at this point end
		// (RT5/RT6); a session keeps no hold past its retail.
		s.holds = nil
	default:
		s.acct.notAccepted(op, &sr)
	}
	e.finish(s, &sr, extra...)
	return sr.outcome != outcomeUnexpected
}

func (s *session) heldSum() float64 {
	sum := 0.0
	for _, h := range s.holds {
		sum += h.amount
	}
	return sum
}

// overCapped reports whether spend exceeds the receipt's cap, which no
// concurrent operation can change: accepting it breaks RT1 for certain.
func (s *session) overCapped(spend float64) bool {
	return s.acct.typ == api.TypeCashback && api.Exceeds(spend, math.Floor(api.SpendCap(s.receipt, s.acct.maxSpend)))
}
