package contract

import (
	"encoding/json"
	"math"
	"sort"
	"sync"

	"loyalcheck/api"
)

// ledger is the suite's own bookkeeping of what it did to each client: the
// balance it found first, the spends and accruals the target accepted and
// the holds it made. L1 and L3 compare the target's balances with it.
type ledger struct {
	mu       sync.Mutex
	accounts map[string]*account // by client id
	holds    map[string]*holdRec // by hold id
}

type account struct {
	id      string
	key     string // the identifier the suite searches the client by
	typ     string // level type as first seen
	initial float64
	known   bool // initial was read
	spent   float64
	earned  float64
	ops     int // accepted retails
}

type holdRec struct {
	id, client, point string
	amount            float64
	until             int64
	ended             bool
}

func newLedger() *ledger {
	return &ledger{accounts: map[string]*account{}, holds: map[string]*holdRec{}}
}

// open records a client's balance as first seen.
func (l *ledger) open(id, key, typ string, balance float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.acct(id)
	a.key, a.typ = key, typ
	if !a.known {
		a.initial, a.known = balance, true
	}
}

func (l *ledger) acct(id string) *account {
	a, ok := l.accounts[id]
	if !ok {
		a = &account{id: id}
		l.accounts[id] = a
	}
	return a
}

// request is what the ledger reads of a request body.
type request struct {
	Client str             `json:"client"`
	Point  str             `json:"point"`
	Amount num             `json:"amount"`
	Hold   json.RawMessage `json:"hold"`
	ID     str             `json:"id"`
}

func (r *request) holds() []string {
	var ids []string
	_ = json.Unmarshal(r.Hold, &ids)
	return ids
}

// observe books the effect of a 200 answer.
func (l *ledger) observe(ex *api.Exchange) {
	// A request that does not parse (a bad-input probe) may still have
	// made a hold: the hold is booked all the same, so it is released.
	var req request
	_ = json.Unmarshal(ex.Request, &req)
	var ans wAnswer
	if err := json.Unmarshal(ex.Body, &ans); err != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ex.Endpoint {
	case api.EpRetail:
		if ans.Retail == nil || req.Client == "" {
			return
		}
		a := l.acct(string(req.Client))
		a.spent += ans.Retail.Spend.V
		a.earned += ans.Retail.Earn.V
		a.ops++
		// Listed holds are consumed (RT5); the client's other holds at the
		// point end (RT6).
		for _, h := range l.holds {
			if h.client == string(req.Client) && h.point == string(req.Point) {
				h.ended = true
			}
		}
		for _, id := range req.holds() {
			if h, ok := l.holds[id]; ok {
				h.ended = true
			}
		}
	case api.EpHold:
		if ans.Held == nil || ans.Held.ID == "" {
			return
		}
		l.holds[string(ans.Held.ID)] = &holdRec{id: string(ans.Held.ID), client: string(req.Client),
			point: string(req.Point), amount: req.Amount.V, until: int64(ans.Held.Until.V)}
	case api.EpRelease:
		if h, ok := l.holds[string(req.ID)]; ok {
			h.ended = true
		}
	}
}

// expected is the balance the ledger says the client has, holds aside;
// ok is false for a client whose initial balance was never read.
func (l *ledger) expected(id string) (bal float64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, found := l.accounts[id]
	if !found || !a.known {
		return 0, false
	}
	if a.typ == api.TypeDiscount {
		return 0, true // S3: a discount client's balance is always 0
	}
	return a.initial - a.spent + a.earned, true
}

// touched lists the accounts the suite changed or held on, by id.
func (l *ledger) touched() []account {
	l.mu.Lock()
	defer l.mu.Unlock()
	held := map[string]bool{}
	for _, h := range l.holds {
		held[h.client] = true
	}
	var out []account
	for _, a := range l.accounts {
		if a.known && (a.ops > 0 || held[a.id]) {
			out = append(out, *a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// holdIDs lists every hold the suite made on the client, ended or not.
func (l *ledger) holdIDs(client string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, h := range l.holds {
		if h.client == client {
			out = append(out, h.id)
		}
	}
	sort.Strings(out)
	return out
}

// activeHolds lists the holds the ledger believes still active.
func (l *ledger) activeHolds() []holdRec {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []holdRec
	for _, h := range l.holds {
		if !h.ended {
			out = append(out, *h)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (l *ledger) holdActive(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	h, ok := l.holds[id]
	return ok && !h.ended
}

// markEnded records that a hold ended by itself (expiry).
func (l *ledger) markEnded(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h, ok := l.holds[id]; ok {
		h.ended = true
	}
}

func ledgerChecks() []check {
	return []check{
		{name: "l2-concurrent", rule: "L2", run: checkL2,
			summary: "concurrent spends and holds never overdraw the client"},
		{name: "l1-ledger", rule: "L1", run: checkL1,
			summary: "each client's final balance is its first one less accepted spends plus accepted earns"},
		{name: "l3-no-leaked-holds", rule: "L3", run: checkL3,
			summary: "once every hold has ended, search shows the ledger's balance"},
	}
}

// burst sends n copies of one request at once and returns the replies.
func (t *T) burst(count int, ep api.Endpoint, body any) []*reply {
	t.guardWrite(ep) // here, not in the goroutines, where nothing would recover it
	// All at once, or the race this provokes is no race: the client's
	// connection pacing would space them out.
	t.s.c.AllowInFlight(count)
	out := make([]*reply, count)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = t.doJSON(ep, body)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

func accepted(rs []*reply) (k int, first *reply) {
	for _, r := range rs {
		if r.OK() {
			k++
			if first == nil {
				first = r
			}
		}
	}
	return
}

func checkL2(t *T) {
	m := t.s.roles.rich2
	if m == nil {
		m = t.rich()
	}
	if m == nil {
		return
	}
	nb := max(2, t.s.cfg.burst)
	bal, _, ok := t.balance(m)
	if !ok {
		return
	}
	spend := math.Floor(bal * 0.6)
	if spend < 1 {
		t.Skip("client %s has too few points (%s) for concurrent spends", m.key, n(bal))
		return
	}
	amount := amountFor(spend, m.maxPct)
	rs := t.burst(nb, api.EpRetail, api.RetailRequest{Client: m.id, Point: t.s.point, Amount: amount, Spend: spend})
	k, first := accepted(rs)
	if k > 1 {
		t.Warn(first.Ex, "%d concurrent spends of %s (60%% of %s) were accepted: %s points spent", k, n(spend), n(bal), n(float64(k)*spend))
	}
	b1, r, ok := t.balance(m)
	if !ok {
		return
	}
	switch {
	case api.Below(b1, 0):
		t.Warn(r.Ex, "after %d accepted concurrent spends of %s (60%% of %s) the balance is %s: overdrawn", k, n(spend), n(bal), n(b1))
	case !api.Near(b1, bal-float64(k)*spend):
		t.Warn(r.Ex, "after %d accepted concurrent spends of %s the balance is %s; want %s", k, n(spend), n(b1), n(bal-float64(k)*spend))
	}
	x := math.Ceil(b1 * 0.6)
	if x >= 1 {
		rs = t.burst(nb, api.EpHold, api.HoldRequest{Client: m.id, Point: t.s.point, Amount: x})
		k, first = accepted(rs)
		if k > 1 {
			t.Warn(first.Ex, "%d concurrent holds of %s (60%% of %s) were accepted: %s points held", k, n(x), n(b1), n(float64(k)*x))
		}
		if b2, r, ok := t.balance(m); ok && api.Below(b2, 0) {
			t.Warn(r.Ex, "after concurrent holds the balance is %s", n(b2))
		}
	}
	t.Pass(r.Ex, "%d concurrent spends and holds of 60%% of the balance: at most one of each accepted", nb)
}

func checkL1(t *T) {
	if m := t.rich(); m != nil {
		// Make sure the ledger has a spend and an accrual to account for,
		// even when L1 runs alone.
		t.spendRetail(m, 1)
		t.retailOf(m, 40, 0)
	}
	// Listing every hold the suite made isolates the ledger from holds
	// (L3 looks at those).
	t.auditLedger("no client was changed by the run",
		func(a account) []string { return t.s.led.holdIDs(a.id) },
		func(a account, got, want float64, r *reply) {
			t.Warn(r.Ex, "client %s: balance %s; the ledger says %s (first %s, spent %s, earned %s over %d operations)",
				a.key, n(got), n(want), n(a.initial), n(a.spent), n(a.earned), a.ops)
		},
		"%d clients end where the ledger says (first balance - spends + earns)")
}

// auditLedger searches every client the run touched (listing the holds
// listed(a) returns) and compares its balance with the ledger's, calling
// differ on each difference; it skips with none when no client was
// touched and passes with pass (given the number of clients compared)
// when at least one search answered.
func (t *T) auditLedger(none string, listed func(account) []string, differ func(a account, got, want float64, r *reply), pass string) {
	accts := t.s.led.touched()
	if len(accts) == 0 {
		t.Skip("%s", none)
		return
	}
	checked := 0
	var last *reply
	for _, a := range accts {
		want, _ := t.s.led.expected(a.id)
		c, r := t.search(a.key, listed(a)...)
		if c == nil {
			t.Broken("searching "+a.key, r)
			continue
		}
		checked++
		last = r
		if !api.Near(c.Balance.V, want) {
			differ(a, c.Balance.V, want, r)
		}
	}
	if last != nil { // nil when every search broke (recorded above)
		t.Pass(last.Ex, pass, checked)
	}
}

func checkL3(t *T) {
	if m := t.rich(); m != nil {
		// A hold of its own, so L3 has one to see ended even when run alone.
		if h, _ := t.hold(api.HoldRequest{Client: m.id, Point: t.s.point, Amount: 1}); h != nil && h.ID != "" {
			t.release(string(h.ID))
		}
	}
	// End every hold the ledger believes active, then compare. A hold
	// whose release got no usable answer may still be active: the audit
	// below cannot tell it from a hold that ended, so L3 is unverified on
	// it (and a broken answer breaks G4/G6).
	holds := t.s.led.activeHolds()
	var lost []lostCall
	for _, h := range holds {
		if ok, r := t.release(h.id); !ok {
			lost = append(lost, lostCall{"releasing hold " + h.id, r})
		}
	}
	defer t.partial("releases of the holds the ledger counts active", len(holds), lost)
	t.auditLedger("no client was held on or changed by the run",
		func(account) []string { return nil },
		func(a account, got, want float64, r *reply) {
			t.Warn(r.Ex, "client %s: with every hold of the run ended, search shows %s; the ledger says %s (%s still held?)",
				a.key, n(got), n(want), n(want-got))
		},
		"%d clients show the ledger's balance once every hold has ended")
}
