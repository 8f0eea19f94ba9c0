package contract

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"loyalcheck/api"
)

// Role thresholds.
const (
	// minRich is the least balance a "rich" cashback client needs: the
	// stateful checks hold and spend fractions of it.
	minRich = 20
	// DefaultDiscoveryBudget bounds the time spent searching fixture
	// clients to fill the roles: a large fixtures file is searched until
	// every role is filled, the fixtures are exhausted or this runs out.
	DefaultDiscoveryBudget = 30 * time.Second
)

// member is a fixture client as the target showed it when searched.
type member struct {
	fx      api.FixtureClient
	key     string // the identifier it is searched by
	id      string
	typ     string
	balance float64 // as first seen
	percent float64
	maxPct  float64
	c       *wClient
	ex      *api.Exchange
}

func (m *member) String() string {
	return fmt.Sprintf("client %s (%s, balance %s)", m.key, m.typ, n(m.balance))
}

// identifiers counts the fixture identifiers of the client.
func (m *member) identifiers() int {
	k := 0
	for _, s := range []string{m.fx.Phone, m.fx.Card, m.fx.Code} {
		if s != "" {
			k++
		}
	}
	return k
}

// roles are the clients the checks need, chosen after searching them.
type roles struct {
	all      []*member
	rich     *member // cashback, the largest balance >= minRich, may spend
	rich2    *member // another such client (L2 drains it), else nil
	zero     *member // cashback with balance 0
	discount *member // discount level
	multi    *member // listed with more than one identifier
	sparse   *member // lacks photo, birthday or email
	note     string  // why searching the fixture clients found none
	searched int     // fixture clients searched
	total    int     // fixture clients listed
	stopped  string  // why discovery stopped before the fixtures ran out
	// lost are the fixture clients searched without a usable answer: the
	// checks judging the clients found are unverified on them.
	lost   []lostCall
	hinted map[string]int
}

func (r *roles) cashback() *member {
	if r.rich != nil {
		return r.rich
	}
	if r.zero != nil {
		return r.zero
	}
	for _, m := range r.all {
		if m.typ == api.TypeCashback {
			return m
		}
	}
	return nil
}

func (r *roles) any() *member {
	if m := r.cashback(); m != nil {
		return m
	}
	if len(r.all) > 0 {
		return r.all[0]
	}
	return nil
}

// members lists the distinct clients holding a role, in role order.
func (r *roles) members() []*member {
	var out []*member
	for _, m := range []*member{r.rich, r.rich2, r.zero, r.discount, r.sparse, r.multi} {
		if m != nil && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

func (r *roles) full() bool {
	return r.rich != nil && r.rich2 != nil && r.zero != nil && r.discount != nil && r.multi != nil && r.sparse != nil
}

// candidates orders the fixture clients for discovery: round-robin over
// their type hints (discount, cashback, none or other), fixture order
// within each, so a role is reached early whatever order the fixtures list
// clients in (a vendor exporting every cashback client first).
func candidates(fx []api.FixtureClient) []api.FixtureClient {
	groups := map[string][]api.FixtureClient{}
	for _, c := range fx {
		h := c.Type
		if h != api.TypeDiscount && h != api.TypeCashback {
			h = ""
		}
		groups[h] = append(groups[h], c)
	}
	out := make([]api.FixtureClient, 0, len(fx))
	for i := 0; len(out) < len(fx); i++ {
		for _, h := range []string{api.TypeDiscount, api.TypeCashback, ""} {
			if i < len(groups[h]) {
				out = append(out, groups[h][i])
			}
		}
	}
	return out
}

// discover searches the fixture clients at the suite's point, in the
// order of candidates, until every role is filled, the fixtures are
// exhausted or the discovery budget runs out, and opens their ledger
// accounts. It returns ErrUnreachable (wrapped) when no search got an
// answer, or every answer refused the apikey.
func (s *suite) discover(ctx context.Context) error {
	t := &T{ctx: ctx, s: s, ch: check{name: "roles", rule: "S1"}}
	var rich []*member
	answered, refused := 0, 0
	var lastErr string
	s.roles.total = len(s.fx.Clients)
	s.roles.hinted = map[string]int{}
	for _, fc := range s.fx.Clients {
		s.roles.hinted[fc.Type]++
	}
	deadline := time.Now().Add(s.cfg.discovery)
	for i, fc := range candidates(s.fx.Clients) {
		if i >= 4 && s.roles.full() {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if i > 0 && !time.Now().Before(deadline) {
			s.roles.stopped = fmt.Sprintf("the discovery budget of %s ran out", s.cfg.discovery)
			break
		}
		key := fc.SearchKey()
		c, r := t.search(key)
		s.roles.searched++
		switch {
		case r.Err != nil:
			lastErr = r.Describe()
			s.roles.lost = append(s.roles.lost, lostCall{"searching fixture client " + key, r})
			if answered == 0 && i >= 2 {
				return fmt.Errorf("%w: %s", ErrUnreachable, lastErr)
			}
			continue
		}
		answered++
		if why := keyRefusal(r.Ex, nil); why != "" {
			refused++
			lastErr = why
			s.roles.lost = append(s.roles.lost, lostCall{"searching fixture client " + key, r})
			if refused == answered && i >= 2 {
				return fmt.Errorf("%w: the target refuses the apikey (%s)", ErrUnreachable, why)
			}
			continue
		}
		if c == nil || c.ID == "" {
			lastErr = "search " + key + ": " + r.Describe()
			s.roles.lost = append(s.roles.lost, lostCall{"searching fixture client " + key, r})
			continue
		}
		m := &member{fx: fc, key: key, id: string(c.ID), typ: string(c.Level.Type), balance: c.Balance.V,
			percent: c.Level.Percent.V, maxPct: c.Level.MaxSpendPercent.V, c: c, ex: r.Ex}
		s.roles.all = append(s.roles.all, m)
		s.led.open(m.id, m.key, m.typ, m.balance)
		switch {
		case m.typ == api.TypeDiscount:
			if s.roles.discount == nil {
				s.roles.discount = m
			}
		case m.typ == api.TypeCashback && m.balance == 0:
			if s.roles.zero == nil {
				s.roles.zero = m
			}
		case m.typ == api.TypeCashback && m.balance >= minRich && m.maxPct >= 1:
			rich = append(rich, m)
			sort.SliceStable(rich, func(i, j int) bool { return rich[i].balance > rich[j].balance })
			s.roles.rich = rich[0]
			if len(rich) > 1 {
				s.roles.rich2 = rich[1]
			}
		}
		if s.roles.multi == nil && m.identifiers() > 1 {
			s.roles.multi = m
		}
		if s.roles.sparse == nil && (absent(c.Photo) || absent(c.Birthday) || absent(c.Email)) {
			s.roles.sparse = m
		}
	}
	if len(s.roles.all) == 0 {
		s.roles.note = lastErr
	}
	if answered == 0 {
		if lastErr == "" {
			lastErr = "no answer"
		}
		return fmt.Errorf("%w: %s", ErrUnreachable, lastErr)
	}
	if refused == answered {
		return fmt.Errorf("%w: the target refuses the apikey (%s)", ErrUnreachable, lastErr)
	}
	return nil
}

// why says why a role of that type hint stayed empty: discovery stopped
// early, or every fixture client was searched and none fits (and how many
// the fixtures said were of that type).
func (r *roles) why(hint string) string {
	lost := ""
	if len(r.lost) > 0 {
		lost = fmt.Sprintf("; %d of them got no usable answer (first: %s: %s)", len(r.lost), r.lost[0].what, r.lost[0].r.Describe())
	}
	if r.stopped != "" {
		return fmt.Sprintf("%s after %d of %d fixture clients were searched%s", r.stopped, r.searched, r.total, lost)
	}
	msg := fmt.Sprintf("all %d fixture clients were searched%s", r.searched, lost)
	if n := r.hinted[hint]; hint != "" && n > 0 {
		msg += fmt.Sprintf("; %d listed as %s in the fixtures, none fits as the target shows them", n, hint)
	}
	return msg
}

// absent reports a JSON value that is missing or null.
func absent(raw []byte) bool { return len(raw) == 0 || string(raw) == "null" }

// Role accessors for checks: each records a skip naming what the fixtures
// lack and returns nil when the role is empty.

func (t *T) rich() *member {
	if m := t.s.roles.rich; m != nil {
		return m
	}
	t.noRole(api.TypeCashback, "fixtures have no cashback client with a balance of at least %d points and a positive maxSpendPercent", minRich)
	return nil
}

func (t *T) discount() *member {
	if m := t.s.roles.discount; m != nil {
		return m
	}
	t.noRole(api.TypeDiscount, "fixtures have no discount client")
	return nil
}

func (t *T) cashback() *member {
	if m := t.s.roles.cashback(); m != nil {
		return m
	}
	t.noRole(api.TypeCashback, "fixtures have no cashback client")
	return nil
}

func (t *T) anyClient() *member {
	if m := t.s.roles.any(); m != nil {
		return m
	}
	t.noRole("", "no fixture client could be found by searching it")
	return nil
}

// balance reads the client's balance by searching it, listing holds. On
// an unusable answer it records the check as broken and returns ok false.
func (t *T) balance(m *member, holds ...string) (float64, *reply, bool) {
	c, r := t.search(m.key, holds...)
	if c == nil {
		t.Broken("searching "+m.key+" for its balance", r)
		return 0, r, false
	}
	if !c.Balance.Set {
		t.Fail(r.Ex, "cannot check: the search answer for %s has no numeric balance", m.key)
		return 0, r, false
	}
	return c.Balance.V, r, true
}

// richBalance is the rich client and its balance now; m is nil (the
// check recorded why) when there is none or its balance cannot be read.
func (t *T) richBalance() (m *member, bal float64) {
	if m = t.rich(); m == nil {
		return nil, 0
	}
	bal, _, ok := t.balance(m)
	if !ok {
		return nil, 0
	}
	return m, bal
}

// noRole skips a check for want of a client of the type hint, saying
// why: searching found no client at all, discovery stopped early, or
// every fixture client was searched and none fits.
func (t *T) noRole(hint, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	if len(t.s.roles.all) == 0 && t.s.roles.note != "" {
		msg += " (searching the fixture clients found none: " + t.s.roles.note + ")"
	} else {
		msg += " (" + t.s.roles.why(hint) + ")"
	}
	t.Skip("%s", msg)
}
