// Package contract checks an implementation of the loyalty API against
// every rule of SPEC.md and reports, per rule, a verdict with evidence.
//
// The suite is stateful and runs in the documented order (search, recalc,
// hold, retail): it picks clients by role after searching them, reads
// balances before and after each state-changing call, and keeps its own
// ledger of what it spent, accrued and held. Every response it receives is
// validated against the schemas of package schemas in one place (probe.go).
package contract

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"loyalcheck/api"
	"loyalcheck/schemas"

	"loyalcheck/reports/record"
)

// ErrUnreachable is returned (wrapped) by Run when the target cannot be
// reached or refuses the apikey on every call.
var ErrUnreachable = errors.New("target unreachable or refusing the apikey")

// Profile decides how interp rules weigh.
type Profile string

// Profiles.
const (
	// Default reports a broken interp rule as a warning.
	Default Profile = "default"
	// Strict turns every warning into a failure.
	Strict Profile = "strict"
)

// ParseProfile returns the profile of that name.
func ParseProfile(s string) (Profile, error) {
	switch Profile(strings.ToLower(strings.TrimSpace(s))) {
	case Default, "":
		return Default, nil
	case Strict:
		return Strict, nil
	}
	return "", fmt.Errorf("unknown profile %q (want default or strict)", s)
}

// DefaultClockTolerance is how far held.until may be from the expected
// time (H2), and how long after until an expired hold may still show (H6).
const DefaultClockTolerance = 60 * time.Second

type config struct {
	profile   Profile
	only      []string
	accept    []string
	slow      bool
	tolerance time.Duration
	validator *schemas.Validator
	progress  func(Finding)
	wait      func(context.Context, time.Duration) error
	now       func() time.Time
	apiKey    string
	burst     int
	readOnly  bool
	discovery time.Duration
}

// Option configures Run.
type Option func(*config)

// WithProfile sets the profile (Default or Strict).
func WithProfile(p Profile) Option { return func(c *config) { c.profile = p } }

// WithOnly restricts the run to the checks of these rule ids and/or check
// names (case-insensitive). Schema violations are reported only for the
// selected rules.
func WithOnly(ids ...string) Option {
	return func(c *config) { c.only = append(c.only, splitIDs(ids)...) }
}

// WithAcceptUnverified accepts these rules (ids, comma-separated allowed)
// being left unverified: a doc rule among them no longer makes the run
// incomplete. The acceptance is recorded in the result.
func WithAcceptUnverified(ids ...string) Option {
	return func(c *config) { c.accept = append(c.accept, splitIDs(ids)...) }
}

// WithSlow runs the checks that need a real wait (H6 expiry: about a
// minute); without it they are reported as skipped.
func WithSlow(on bool) Option { return func(c *config) { c.slow = on } }

// WithClockTolerance sets the clock tolerance of H2 and H6 (default 60 s).
func WithClockTolerance(d time.Duration) Option { return func(c *config) { c.tolerance = d } }

// WithValidator sets the schema validator (default schemas.New()).
func WithValidator(v *schemas.Validator) Option { return func(c *config) { c.validator = v } }

// WithProgress streams every finding as it is made.
func WithProgress(f func(Finding)) Option { return func(c *config) { c.progress = f } }

// WithWait replaces how the suite waits (the slow H6 expiry check); tests
// advance a manual clock instead of sleeping.
func WithWait(f func(ctx context.Context, d time.Duration) error) Option {
	return func(c *config) { c.wait = f }
}

// WithNow replaces the clock the suite compares held.until with (H2, H3,
// H6); tests pass the sandbox's manual clock.
func WithNow(f func() time.Time) Option { return func(c *config) { c.now = f } }

// WithAPIKey gives the suite the apikey for the few probes api.Client
// cannot make (G1: the same request sent with GET). Without it those
// probes are left out. The key is never recorded.
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithReadOnly sends only search and recalc: a check that needs a hold,
// release or retail is skipped as not in scope (ReadOnlyReason) when it
// comes to it.
func WithReadOnly(on bool) Option { return func(c *config) { c.readOnly = on } }

// WithDiscoveryBudget bounds the time spent searching fixture clients to
// fill the roles (default DefaultDiscoveryBudget).
func WithDiscoveryBudget(d time.Duration) Option { return func(c *config) { c.discovery = d } }

// WithBurst sets how many concurrent spends and holds the L2 check sends
// (default 20).
func WithBurst(n int) Option { return func(c *config) { c.burst = n } }

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// CheckInfo describes one check of the registry.
type CheckInfo struct {
	Name    string `json:"name"`
	Rule    string `json:"rule"`
	Slow    bool   `json:"slow,omitempty"`
	Summary string `json:"summary"`
}

// check is one entry of the registry: it knows its rule and produces
// findings on it through a *T.
type check struct {
	name    string
	rule    string
	slow    bool
	summary string
	run     func(t *T)
}

// SchemaCheck is the Check name of findings made by schema validation of
// a response (every response goes through it, whatever check sent it).
const SchemaCheck = "schema"

// registry lists every check in run order: the documented call order
// (search, recalc, hold, retail), then the general rules, bad input, and
// the ledger invariants over the whole run last.
func registry() []check {
	var all []check
	for _, group := range [][]check{searchChecks(), recalcChecks(), holdChecks(), retailChecks(),
		generalChecks(), badInputChecks(), ledgerChecks()} {
		all = append(all, group...)
	}
	return all
}

// Checks returns the registry in run order.
func Checks() []CheckInfo {
	reg := registry()
	out := make([]CheckInfo, len(reg))
	for i, c := range reg {
		out[i] = CheckInfo{Name: c.name, Rule: c.rule, Slow: c.slow, Summary: c.summary}
	}
	return out
}

// ValidateOnly reports the first id that names neither a rule nor a check.
func ValidateOnly(ids ...string) error {
	var cfg config
	WithOnly(ids...)(&cfg)
	for _, id := range cfg.only {
		if _, ok := api.RuleByID(id); ok || strings.EqualFold(id, SchemaCheck) {
			continue
		}
		found := false
		for _, c := range registry() {
			if strings.EqualFold(c.name, id) {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("unknown rule or check %q", id)
		}
	}
	return nil
}

func (c *config) selected(name, rule string) bool {
	if len(c.only) == 0 {
		return true
	}
	for _, id := range c.only {
		if strings.EqualFold(id, name) || strings.EqualFold(id, rule) {
			return true
		}
	}
	return false
}

// Run runs the suite against the API served by c, using only the clients
// and points listed in fx. The error is non-nil when the run could not be
// carried out: ErrUnreachable (wrapped) when the target is unreachable or
// refuses the apikey on every call, a fixtures or configuration error, or
// the context's error. The Result is returned whenever a run started, with
// the findings made so far.
func Run(ctx context.Context, c *api.Client, fx *api.Fixtures, opts ...Option) (*Result, error) {
	cfg := config{profile: Default, tolerance: DefaultClockTolerance, wait: sleepCtx, now: time.Now, burst: 20, discovery: DefaultDiscoveryBudget}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.profile != Default && cfg.profile != Strict {
		return nil, fmt.Errorf("contract: unknown profile %q", cfg.profile)
	}
	if c == nil {
		return nil, errors.New("contract: nil client")
	}
	if fx == nil {
		return nil, errors.New("contract: no fixtures")
	}
	if err := fx.Validate(); err != nil {
		return nil, err
	}
	if err := ValidateOnly(cfg.only...); err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	if err := ValidateRuleIDs(cfg.accept...); err != nil {
		return nil, fmt.Errorf("contract: accept unverified: %w", err)
	}
	if cfg.validator == nil {
		v, err := schemas.New()
		if err != nil {
			return nil, fmt.Errorf("contract: %w", err)
		}
		cfg.validator = v
	}
	s := newSuite(c, fx, &cfg)
	res := &Result{ContractRun: record.ContractRun{Target: c.BaseURL(), Profile: string(cfg.profile), Started: time.Now().UTC(),
		Only: cfg.only, AcceptUnverified: normalizeIDs(cfg.accept)}, ReadOnly: cfg.readOnly}
	finish := func() {
		s.flushSchema()
		res.Findings = s.findings
		res.Summary = Summarize(res)
		res.Coverage = CoverageOf(res)
		res.Rules = record.CountRules(res.Coverage)
		res.Interrupted = ctx.Err() != nil
		res.Ended = time.Now().UTC()
	}
	if err := s.discover(ctx); err != nil {
		finish()
		return res, err
	}
	for _, ch := range registry() {
		if ctx.Err() != nil {
			break
		}
		if !cfg.selected(ch.name, ch.rule) {
			continue
		}
		s.runCheck(ctx, ch)
	}
	res.Unreleased, res.Unanswered = s.cleanup(ctx)
	finish()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if s.allRefused() {
		return res, fmt.Errorf("%w: every call was refused (%s)", ErrUnreachable, s.refusal())
	}
	return res, nil
}

// suite is the state of one run.
type suite struct {
	c   *api.Client
	fx  *api.Fixtures
	cfg *config

	point string // the point every check uses (the fixtures' first)
	roles roles
	led   *ledger

	mu       sync.Mutex
	findings []Finding
	schema   map[string]*schemaHit
	order    []string
	silent   map[api.Endpoint]int // calls in a row without an answer
	calls    int                  // calls made with the configured key
	refused  int                  // of which refused for the key (401/403 or an apikey error)
	lastRef  string
	// flights counts hold requests whose answer is not booked yet; lost
	// describes those that got none (yet), by lostSeq.
	flights api.Flights
	lost    map[int]string
	lostSeq int
	// lostBlamed is set once a check has recorded what the broken answers
	// of role discovery break (partialDiscovery).
	lostBlamed bool
}

func newSuite(c *api.Client, fx *api.Fixtures, cfg *config) *suite {
	return &suite{c: c, fx: fx, cfg: cfg, point: fx.Points[0], led: newLedger(),
		schema: map[string]*schemaHit{}, silent: map[api.Endpoint]int{}}
}

// otherPoint returns a fixture point other than the suite's, "" when the
// fixtures list only one: rules about holds at other points (S4, RT6)
// need it.
func (s *suite) otherPoint() string {
	for _, p := range s.fx.Points {
		if p != s.point {
			return p
		}
	}
	return ""
}

// add records a finding (the profile applied) and streams it.
func (s *suite) add(f Finding) {
	if f.Status == Warn && s.cfg.profile == Strict {
		f.Status = Fail
	}
	s.mu.Lock()
	s.findings = append(s.findings, f)
	s.mu.Unlock()
	if s.cfg.progress != nil {
		s.cfg.progress(f)
	}
}

// runCheck runs one check, turning a panic into a failure of that check
// and a check that found nothing wrong into one pass.
func (s *suite) runCheck(ctx context.Context, ch check) {
	rule, _ := api.RuleByID(ch.rule)
	t := &T{ctx: ctx, s: s, ch: ch, rule: rule}
	if ch.slow && !s.cfg.slow {
		t.NotInScope("needs --slow (waits for a real hold to expire, about a minute)")
		t.flush()
		return
	}
	func() {
		defer func() {
			switch r := recover().(type) {
			case nil:
			case readOnlyStop:
				t.skipReadOnly(r.ep)
			default:
				t.Fail(nil, "check panicked: %v", r)
			}
		}()
		ch.run(t)
	}()
	t.releaseAll()
	if ctx.Err() != nil {
		t.interrupted()
	}
	if len(t.out) == 0 {
		// Every path of a check records a verdict; ending without one
		// means an answer the check could not make sense of.
		t.Fail(nil, "no verdict reached: an answer could not be judged")
	}
	t.flush()
}

// allRefused reports whether every answered call made with the configured
// key was refused for the key (or none was answered).
func (s *suite) allRefused() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls > 0 && s.refused == s.calls
}

func (s *suite) refusal() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastRef
}
