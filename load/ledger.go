package load

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"loyalcheck/api"
	"loyalcheck/preflight"
	"loyalcheck/scenarios"
)

// The ledger proves, over a whole run, that no point was lost or spent
// twice (SPEC L1-L3): it searches every client before the run, records
// every operation the target accepted, releases what is still held after
// the run and compares each client's final balance with its own books.

type opKind uint8

const (
	opHold opKind = iota
	opRelease
	opSpend
	opEarn
)

func (k opKind) String() string {
	return opKinds[k]
}

type opStatus uint8

const (
	opPending opStatus = iota
	opAccepted
	opRefused
	opUnknown // no answer (timeout, interrupt): the target may have applied it
)

type opRec struct {
	kind   opKind
	amount float64 // asked: hold amount, spend, or 0 for an accrual
	point  string
	holdID string
	sent   time.Time
	done   time.Time
	status opStatus
	spent  float64 // accepted spend, as the target reported it
	earned float64 // accepted earn, as the target reported it
}

type holdRec struct {
	id       string
	point    string
	amount   float64
	sent     time.Time // when the hold was asked for
	accepted time.Time
	until    time.Time
}

// account is one fixture client's books. Sessions on the same client run
// concurrently, so every method locks.
type account struct {
	fixture  api.FixtureClient
	key      string
	id       string
	typ      string
	maxSpend float64
	initial  float64
	hot      bool

	mu    sync.Mutex
	ops   []*opRec
	holds []*holdRec
}

func (a *account) begin(kind opKind, amount float64, point, holdID string) *opRec {
	op := &opRec{kind: kind, amount: amount, point: point, holdID: holdID, sent: time.Now()}
	a.mu.Lock()
	a.ops = append(a.ops, op)
	a.mu.Unlock()
	return op
}

func (a *account) settle(op *opRec, st opStatus) {
	a.mu.Lock()
	op.status, op.done = st, time.Now()
	a.mu.Unlock()
}

func (a *account) refused(op *opRec) { a.settle(op, opRefused) }
func (a *account) unknown(op *opRec, _ *stepResult) {
	a.settle(op, opUnknown)
}
func (a *account) done(op *opRec) { a.settle(op, opAccepted) }

// notAccepted settles an operation its step did not see accepted: a
// refusal changed nothing; any other answer, or none, leaves its effect
// unknown.
func (a *account) notAccepted(op *opRec, sr *stepResult) {
	if sr.outcome == outcomeRefused {
		a.refused(op)
		return
	}
	a.unknown(op, sr)
}

func (a *account) held(op *opRec, amount float64, id string, until time.Time) *holdRec {
	now := time.Now()
	h := &holdRec{id: id, point: op.point, amount: amount, sent: op.sent, accepted: now, until: until}
	a.mu.Lock()
	op.status, op.done, op.holdID = opAccepted, now, id
	a.holds = append(a.holds, h)
	a.mu.Unlock()
	return h
}

func (a *account) retailDone(op *opRec, spent, earned float64) {
	a.mu.Lock()
	op.status, op.done, op.spent, op.earned = opAccepted, time.Now(), spent, earned
	a.mu.Unlock()
}

func (a *account) label() string {
	return fmt.Sprintf("%s (search %s)", a.id, a.key)
}

type ledger struct {
	client   *api.Client
	point    string
	accounts []*account
	// notFound lists fixture clients the setup search could not find.
	notFound []string
	flights  api.Flights
}

// setupConcurrency bounds the searches after a run.
const setupConcurrency = preflight.DefaultConcurrency

// openLedger records the balance of every fixture client the scenario
// may touch: from the preflight's searches when they were made at point,
// else by searching them through the preflight's bounded, fail-fast
// search. It fails with ErrUnreachable when the target stops answering
// or no search got an answer that is not a refusal of the apikey.
func openLedger(ctx context.Context, c *api.Client, fx *api.Fixtures, point string, sel scenarios.Clients, pre *preflight.Result) (*ledger, error) {
	fixtures := fx.Clients
	if sel.Limit > 0 && sel.Limit < len(fixtures) {
		fixtures = fixtures[:sel.Limit]
	}
	var searched []preflight.Client
	if pre != nil && pre.Point == point && len(pre.Clients) >= len(fixtures) {
		searched = pre.Clients[:len(fixtures)]
	} else {
		var err error
		if searched, err = preflight.Search(ctx, c, fixtures, point); err != nil {
			return nil, err
		}
	}
	l := &ledger{client: c, point: point}
	var firstErr error
	for _, s := range searched {
		if s.Found == nil {
			if firstErr == nil && s.Err != nil {
				firstErr = s.Err
			}
			l.notFound = append(l.notFound, s.Key)
			continue
		}
		cl := s.Found.Client
		l.accounts = append(l.accounts, &account{fixture: s.Fixture, key: s.Key, id: cl.ID, typ: cl.Level.Type, maxSpend: cl.Level.MaxSpendPercent, initial: cl.Balance})
	}
	if len(l.accounts) == 0 {
		return nil, fmt.Errorf("no fixture client could be searched: %w", firstErr)
	}
	return l, nil
}

// forEach runs f(0..n-1) on setupConcurrency goroutines.
func forEach(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(setupConcurrency, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// clientPool picks a session's client.
type clientPool struct {
	all   []*account
	hot   []*account
	cold  []*account
	share float64
}

func newClientPool(accts []*account, sel scenarios.Clients) (*clientPool, error) {
	var eligible []*account
	for _, a := range accts {
		if sel.Type == "" || a.typ == sel.Type {
			eligible = append(eligible, a)
		}
	}
	if len(eligible) == 0 {
		return nil, fmt.Errorf("no fixture client of type %q", sel.Type)
	}
	p := &clientPool{all: eligible}
	if sel.Pick != scenarios.PickHot {
		return p, nil
	}
	// The hot set is the richest clients: contention needs points to
	// fight over.
	byBalance := append([]*account(nil), eligible...)
	sort.SliceStable(byBalance, func(i, j int) bool { return byBalance[i].initial > byBalance[j].initial })
	n := min(sel.Hot, len(byBalance))
	p.hot, p.cold, p.share = byBalance[:n], byBalance[n:], sel.HotShare
	for _, a := range p.hot {
		a.hot = true
	}
	return p, nil
}

func (p *clientPool) pick(r interface {
	Float64() float64
	IntN(int) int
}) *account {
	if p.hot == nil {
		return p.all[r.IntN(len(p.all))]
	}
	if len(p.cold) == 0 || r.Float64() < p.share {
		return p.hot[r.IntN(len(p.hot))]
	}
	return p.cold[r.IntN(len(p.cold))]
}

// maxUnanswered bounds the unanswered holds a report lists one by one: a
// hanging target leaves one per session.
const maxUnanswered = 20

// audit waits for the hold requests still running, releases every hold
// still open, searches every client again and checks L1-L3.
func (l *ledger) audit(ctx context.Context) LedgerReport {
	l.flights.Sweep(ctx)
	rep := LedgerReport{Clients: len(l.accounts), Findings: []LedgerFinding{}}
	findings := make([][]LedgerFinding, len(l.accounts))
	var mu sync.Mutex
	var auditErr error
	forEach(len(l.accounts), func(i int) {
		f, left, err := l.auditAccount(ctx, l.accounts[i])
		mu.Lock()
		if err != nil && auditErr == nil {
			auditErr = err
		}
		rep.Unreleased = append(rep.Unreleased, left...)
		mu.Unlock()
		findings[i] = f
	})
	sort.Strings(rep.Unreleased)
	var unanswered []string
	for _, a := range l.accounts {
		touched := false
		for _, op := range a.ops {
			switch op.status {
			case opAccepted:
				touched = true
				rep.Spent += op.spent
				rep.Earned += op.earned
				switch op.kind {
				case opHold:
					rep.Holds++
				case opRelease:
					rep.Released++
				}
			case opUnknown, opPending:
				if op.kind != opRelease {
					rep.Uncertain++
				}
				if op.kind == opHold {
					unanswered = append(unanswered, fmt.Sprintf("%s: %s points at %s asked %s", a.id, num(op.amount), op.point, op.sent.Format("15:04:05.000")))
				}
			}
		}
		if touched {
			rep.Touched++
		}
	}
	for _, f := range findings {
		rep.Findings = append(rep.Findings, f...)
	}
	if len(unanswered) > maxUnanswered {
		unanswered = append(unanswered[:maxUnanswered], fmt.Sprintf("and %d more", len(unanswered)-maxUnanswered))
	}
	rep.Unanswered = unanswered
	if auditErr != nil && len(rep.Findings) == 0 {
		rep.Skipped = fmt.Sprintf("audit incomplete: %v", auditErr)
	}
	return rep
}

// auditAccount releases the client's holds, then checks its balance. It
// returns the holds the run did not see end and could not release.
func (l *ledger) auditAccount(ctx context.Context, a *account) ([]LedgerFinding, []string, error) {
	a.mu.Lock()
	ops := append([]*opRec(nil), a.ops...)
	holds := append([]*holdRec(nil), a.holds...)
	a.mu.Unlock()

	// Release whatever may still be held: release is idempotent (H7).
	// Every hold is tried, whatever became of the one before.
	var left []string
	var relErr error
	for _, h := range holds {
		_, _, err := l.client.Release(ctx, api.ReleaseRequest{ID: h.id})
		if err == nil {
			continue
		}
		if relErr == nil && api.IsTransport(err) {
			relErr = fmt.Errorf("releasing hold %s of %s: %w", h.id, a.label(), err)
		}
		if !ended(h, ops) {
			left = append(left, h.id)
		}
	}
	if relErr != nil {
		return nil, left, relErr
	}
	r, _, err := l.client.Search(ctx, api.SearchRequest{Search: a.key, Point: l.point})
	if err != nil && !api.Mistyped(err) {
		return nil, left, fmt.Errorf("final search of %s: %w", a.label(), err)
	}
	final := r.Client.Balance

	var spent, earned, uncertain float64
	nUncertain := 0
	for _, op := range ops {
		switch op.status {
		case opAccepted:
			spent += op.spent
			earned += op.earned
		case opUnknown, opPending:
			if op.kind == opSpend || op.kind == opEarn || op.kind == opHold {
				nUncertain++
				uncertain += op.amount
			}
		}
	}
	expected := a.initial - spent + earned
	base := LedgerFinding{Client: a.label(), Initial: a.initial, Expected: expected, Final: final}
	var out []LedgerFinding
	add := func(rule, status, msg string) {
		f := base
		f.Rule, f.Status, f.Message, f.Ops = rule, status, msg, describeOps(ops, 12)
		out = append(out, f)
	}

	if diff := final - expected; !api.Near(final, expected) {
		status := "fail"
		note := ""
		if nUncertain > 0 {
			// A request without an answer may have been applied; the
			// difference is then not proof of a lost point.
			status = "warn"
			note = fmt.Sprintf(" (%d operations without an answer may explain it)", nUncertain)
		}
		rule := "L1"
		if diff < 0 && l.heldExplains(ctx, a, holds, expected) {
			rule = "L3"
			add(rule, status, fmt.Sprintf("balance %s after every hold was released, %s lower than the ledger's %s: holds leaked%s", num(final), num(-diff), num(expected), note))
		} else {
			add(rule, status, fmt.Sprintf("final balance %s, but initial %s - spends %s + earns %s = %s%s", num(final), num(a.initial), num(spent), num(earned), num(expected), note))
		}
	}
	if api.Exceeds(spent, a.initial+earned) {
		add("L2", "fail", fmt.Sprintf("accepted spends of %s points, more than the client ever had (%s initial + %s earned)", num(spent), num(a.initial), num(earned)))
	}
	if api.Below(final, 0) {
		add("L2", "fail", fmt.Sprintf("balance went below zero: %s", num(final)))
	}
	if msg := overcommit(a.initial, ops, holds); msg != "" {
		add("L2", "fail", msg)
	}
	return out, left, nil
}

// ended reports whether the run saw h end: a release of it, or a retail of
// the client at its point (RT5/RT6), accepted after it was.
func ended(h *holdRec, ops []*opRec) bool {
	for _, op := range ops {
		if op.status != opAccepted || op.sent.Before(h.accepted) {
			continue
		}
		if (op.kind == opRelease && op.holdID == h.id) || ((op.kind == opSpend || op.kind == opEarn) && op.point == h.point) {
			return true
		}
	}
	return false
}

// heldExplains reports whether listing the client's most recent holds
// brings its balance up to the ledger's: then the missing points are held
// by holds that release did not end (L3), not lost (L1).
func (l *ledger) heldExplains(ctx context.Context, a *account, holds []*holdRec, expected float64) bool {
	if len(holds) == 0 {
		return false
	}
	const maxListed = 100
	ids := make([]string, 0, maxListed)
	for i := len(holds) - 1; i >= 0 && len(ids) < maxListed; i-- {
		ids = append(ids, holds[i].id)
	}
	r, _, err := l.client.Search(ctx, api.SearchRequest{Search: a.key, Point: l.point, Hold: ids})
	return (err == nil || api.Mistyped(err)) && api.Near(r.Client.Balance, expected)
}

// overcommit sweeps the run's timeline for a moment when the holds that
// were certainly active, plus the spends certainly done, exceeded every
// point the client could have had by then. Holds count from the answer
// that accepted them to the first request that could have ended them (a
// release, any retail of the client at the hold's point, or its until);
// earns count from the moment they were asked for. A violation found this
// way holds whatever order the target applied concurrent requests in.
func overcommit(initial float64, ops []*opRec, holds []*holdRec) string {
	type event struct {
		at    time.Time
		delta float64 // to committed points
		earn  float64 // to points the client may have had
	}
	var evs []event
	for _, op := range ops {
		if op.status != opAccepted {
			continue
		}
		switch op.kind {
		case opSpend:
			evs = append(evs, event{at: op.done, delta: op.spent})
		case opEarn:
			evs = append(evs, event{at: op.sent, earn: op.earned})
		}
	}
	for _, h := range holds {
		end := h.until
		for _, op := range ops {
			ends := (op.kind == opRelease && op.holdID == h.id) || ((op.kind == opSpend || op.kind == opEarn) && op.point == h.point)
			// A retail sent before the hold was answered but answered
			// after the hold was sent may have reached the target after
			// it and ended it (RT6): the order is unknown, so the hold is
			// given the benefit of the doubt and ends when it began.
			if ends && (op.sent.After(h.accepted) || op.done.After(h.sent)) {
				at := op.sent
				if at.Before(h.accepted) {
					at = h.accepted
				}
				if at.Before(end) {
					end = at
				}
			}
		}
		if end.After(h.accepted) {
			evs = append(evs, event{at: h.accepted, delta: h.amount}, event{at: end, delta: -h.amount})
		}
	}
	// Ends and earns before starts at the same instant: never charge a
	// violation to a tie.
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].at.Equal(evs[j].at) {
			return evs[i].at.Before(evs[j].at)
		}
		return evs[i].delta < evs[j].delta
	})
	committed, available := 0.0, initial
	for _, e := range evs {
		committed += e.delta
		available += e.earn
		if api.Exceeds(committed, available) {
			return fmt.Sprintf("at %s holds and spends committed %s points while the client had at most %s", e.at.Format("15:04:05.000"), num(committed), num(available))
		}
	}
	return ""
}

func describeOps(ops []*opRec, max int) []string {
	var out []string
	start := 0
	if len(ops) > max {
		start = len(ops) - max
		out = append(out, fmt.Sprintf("... %d earlier operations", start))
	}
	for _, op := range ops[start:] {
		st := [...]string{"pending", "accepted", "refused", "no answer"}[op.status]
		amt := op.amount
		if op.status == opAccepted && op.kind == opEarn {
			amt = op.earned
		}
		line := fmt.Sprintf("%s %s %s at %s: %s", op.sent.Format("15:04:05.000"), op.kind, num(amt), op.point, st)
		if op.holdID != "" {
			line += " (hold " + op.holdID + ")"
		}
		out = append(out, line)
	}
	return out
}

func num(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}
