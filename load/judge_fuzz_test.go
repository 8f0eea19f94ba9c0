package load

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/scenarios"
	"loyalcheck/schemas"
)

// judged is what one step made of an answer: the step's record.
type judged struct {
	outcome outcome
	rules   []string
	errText string
}

// FuzzJudgeStep runs each session step against a loopback target that
// answers with arbitrary status and body. Judging is deterministic (H2
// aside: it compares with the clock), never passes an answer that is not
// a 200 the schemas accept, and names a catalogue rule for every
// violation.
func FuzzJudgeStep(f *testing.F) {
	var mu sync.Mutex
	var status int
	var body []byte
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		st, b := status, body
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
		_, _ = w.Write(b)
	}))
	f.Cleanup(ts.Close)
	c, err := api.NewClient(ts.URL, api.WithAPIKey(api.SandboxAPIKey), api.WithTimeout(5*time.Second))
	require.NoError(f, err)
	v, err := schemas.New()
	require.NoError(f, err)
	cfg := &config{validator: v, validate: 1, tolerance: 60 * time.Second}

	steps := []scenarios.Step{
		{Op: api.EpSearch, WithHold: true},
		{Op: api.EpRecalc},
		{Op: api.EpHold, Hold: scenarios.HoldMax, Duration: 5},
		{Op: api.EpRelease},
		{Op: api.EpRetail, Spend: scenarios.SpendMax, WithHold: true},
		{Op: api.EpRetail, Spend: scenarios.SpendOver},
	}
	until := time.Now().Add(5 * time.Minute).Unix()
	for _, s := range []struct {
		step   uint8
		status int
		body   string
	}{
		{0, 200, `{"success":true,"client":{"id":"a1","name":"I","level":{"id":"l","title":"T","percent":10,"type":"cashback","maxSpendPercent":50},"phone":79200000001,"balance":878}}`},
		{0, 200, `{"success":true,"client":{"id":"other","name":"I","level":{"id":"l","title":"T","percent":10,"type":"discount"},"phone":79200000001,"balance":5}}`},
		{1, 200, `{"success":true,"recalc":{"amount":1000,"percent":10,"type":"cashback","spend":500,"earn":0}}`},
		{1, 200, `{"success":true,"recalc":{"amount":"1000","percent":10,"type":"cashback","spend":500,"earn":0}}`},
		{2, 200, `{"success":true,"held":{"id":"h2","until":` + strconv.FormatInt(until, 10) + `,"amount":500}}`},
		{2, 422, `{"amount":"Not enough points."}`},
		{3, 200, `{"success":true}`},
		{4, 200, `{"success":true,"retail":{"amount":1000,"total":500,"percent":10,"type":"cashback","spend":500}}`},
		{4, 422, `{"spend":"Spend can't be more 500"}`},
		{5, 200, `{"success":true,"retail":{"amount":1000,"total":499,"percent":10,"type":"cashback","spend":501,"earn":3}}`},
		{0, 500, `<html>oops</html>`}, {1, 200, `{"success":true} trailing`}, {3, 302, ``}, {4, 200, `null`},
	} {
		f.Add(s.step, s.status, []byte(s.body))
	}
	judge := func(t *testing.T, st *scenarios.Step) judged {
		e := &engine{client: c, cfg: cfg, ledger: &ledger{client: c}, records: make(chan *record, 16), seqs: newSequencer(), sampler: sampler{fraction: 1}}
		s := &session{
			acct:    &account{id: "a1", key: "79200000001", typ: api.TypeCashback, maxSpend: 50, initial: 878},
			point:   "p1",
			receipt: 1000,
			recalc:  &api.RecalcResult{Amount: 1000, Type: api.TypeCashback, Spend: 500},
		}
		s.holds = []*holdRec{{id: "h1", point: "p1", amount: 100}}
		e.step(context.Background(), s, st)
		close(e.records)
		var out judged
		n := 0
		for r := range e.records {
			n++
			out.outcome, out.errText = r.outcome, r.res.Error
			for _, v := range r.violations {
				_, known := api.RuleByID(v.Rule)
				require.True(t, known, "rule %q: %s", v.Rule, v.Detail)
				if v.Rule != "H2" {
					out.rules = append(out.rules, v.Rule)
				}
			}
		}
		require.LessOrEqual(t, n, 1, "one call per step here")
		return out
	}
	f.Fuzz(func(t *testing.T, which uint8, st int, b []byte) {
		if st < 200 || st > 599 {
			// 1xx are not final answers: statuses run from 200 to 599.
			st = 200 + (st%400+400)%400
		}
		mu.Lock()
		status, body = st, b
		mu.Unlock()
		step := steps[int(which)%len(steps)]
		first := judge(t, &step)
		require.Equal(t, first, judge(t, &step), "judging the same answer twice")
		if first.outcome == outcomeOK {
			ep := api.Endpoint(step.Op)
			require.Equal(t, http.StatusOK, st, "a %d answer passed", st)
			require.Empty(t, v.Response(ep, st, b), "a body that breaks its schema passed: %s", b)
		}
	})
}
