// Package preflight checks, before any rule is judged or any load is sent,
// that the target is the loyalty API and that it knows every client and
// point of the fixtures. What it finds wrong is the user's configuration
// (a wrong base URL, fixtures for another deployment), never a verdict on
// the target. It sends only searches and recalcs, which change nothing,
// so it is safe on a production target and under --read-only.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"loyalcheck/api"
)

// Defaults of a preflight.
const (
	// DefaultConcurrency bounds the searches in flight at once. It is the
	// client's first connection slots, so the preflight leaves that many
	// connections open and warm for the load that follows it.
	DefaultConcurrency = api.DefaultInitialConns
	// DefaultBudget bounds a whole preflight: a target too slow to answer
	// every fixture client in it is too slow to test.
	DefaultBudget = 2 * time.Minute
	// DefaultMaxTransportErrors is how many requests in a row may get no
	// answer before the target is declared unreachable: a hanging target
	// then costs one request timeout, not one per fixture client.
	DefaultMaxTransportErrors = 3
	// recalcAmount is the receipt total of the recalc that checks a point.
	recalcAmount = 100
)

// ErrUnreachable is returned (wrapped) when the target gives no answer, or
// refuses the apikey, for requests in a row.
var ErrUnreachable = errors.New("target unreachable or refusing the apikey")

// NoAPIError says that the target's URL does not serve the loyalty API:
// its search endpoint answers 404 or 405 without naming a request field.
type NoAPIError struct {
	URL    string // the search endpoint's full URL
	Status int
	Body   string // a snippet of what came back instead
}

func (e *NoAPIError) Error() string {
	return fmt.Sprintf("no loyalty API at %s (HTTP %d): check the path in --target", e.URL, e.Status)
}

// ConfigError lists the fixture clients and points the target does not
// know: the fixtures were made for another deployment, or are stale.
type ConfigError struct {
	UnknownClients []string // search keys, in fixtures order
	UnknownPoints  []string
	Clients        int // fixture clients searched
	Points         int // fixture points checked
}

// listed is how many values of a list an error message shows.
const listed = 5

func (e *ConfigError) Error() string {
	var parts []string
	if n := len(e.UnknownClients); n > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d fixture clients unknown to the target (%s)", n, e.Clients, firstFew(e.UnknownClients)))
	}
	if n := len(e.UnknownPoints); n > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d fixture points unknown to the target (%s)", n, e.Points, firstFew(e.UnknownPoints)))
	}
	return "fixtures do not match the target: " + strings.Join(parts, "; ")
}

func firstFew(vals []string) string {
	if len(vals) <= listed {
		return strings.Join(vals, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(vals[:listed], ", "), len(vals)-listed)
}

// Client is a fixture client as the target showed it when searched.
type Client struct {
	Fixture api.FixtureClient
	Key     string // the identifier it was searched by
	// Found is the search answer; nil when the search failed (Err says
	// why) or was never sent (both nil: the preflight stopped first).
	Found *api.SearchResponse
	Err   error
	// Unknown is true when the target answered that it has no such client.
	Unknown bool
}

// Result is what a preflight learnt.
type Result struct {
	Point   string   // the point the clients were searched at
	Clients []Client // every fixture client, in fixtures order
	Took    time.Duration
}

// Option configures a preflight.
type Option func(*config)

type config struct {
	concurrency  int
	budget       time.Duration
	maxTransport int
}

// WithConcurrency bounds the requests in flight at once.
func WithConcurrency(n int) Option { return func(c *config) { c.concurrency = n } }

// WithBudget bounds the whole preflight.
func WithBudget(d time.Duration) Option { return func(c *config) { c.budget = d } }

// WithMaxTransportErrors sets how many requests in a row may go
// unanswered before the target is declared unreachable.
func WithMaxTransportErrors(n int) Option { return func(c *config) { c.maxTransport = n } }

func newConfig(opts []Option) config {
	cfg := config{concurrency: DefaultConcurrency, budget: DefaultBudget, maxTransport: DefaultMaxTransportErrors}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.concurrency = max(cfg.concurrency, 1)
	cfg.maxTransport = max(cfg.maxTransport, 1)
	return cfg
}

// Run searches every fixture client at the fixtures' first point, then
// checks every fixture point with a recalc for a client it found. The
// error is a *NoAPIError, ErrUnreachable (wrapped), a *ConfigError
// listing what the target does not know, or the context's error; the
// Result holds what was learnt whenever searches were sent.
func Run(ctx context.Context, c *api.Client, fx *api.Fixtures, opts ...Option) (*Result, error) {
	if err := fx.Validate(); err != nil {
		return nil, err
	}
	cfg := newConfig(opts)
	start := time.Now()
	bctx, cancel := context.WithTimeout(ctx, cfg.budget)
	defer cancel()
	res := &Result{Point: fx.Points[0]}
	clients, err := search(bctx, ctx, c, fx.Clients, res.Point, cfg)
	res.Clients = clients
	res.Took = time.Since(start)
	var unknownPoint bool
	var ce *ConfigError
	if errors.As(err, &ce) {
		// The search point itself is unknown: no client could be checked.
		unknownPoint = true
	} else if err != nil {
		return res, err
	}
	ce = &ConfigError{Clients: len(fx.Clients), Points: len(fx.Points)}
	var known *Client
	for i := range clients {
		cl := &clients[i]
		switch {
		case cl.Unknown:
			ce.UnknownClients = append(ce.UnknownClients, cl.Key)
		case cl.Found != nil && known == nil:
			known = cl
		}
	}
	if unknownPoint {
		ce.UnknownClients = nil
		ce.UnknownPoints = []string{res.Point}
	} else if known != nil {
		pts, err := checkPoints(bctx, ctx, c, fx.Points[1:], known.Found.Client.ID, cfg)
		res.Took = time.Since(start)
		if err != nil {
			return res, err
		}
		ce.UnknownPoints = pts
	}
	if len(ce.UnknownClients) > 0 || len(ce.UnknownPoints) > 0 {
		return res, ce
	}
	return res, nil
}

// Found returns the clients the target found, in fixtures order.
func (r *Result) Found() []Client {
	var out []Client
	for _, c := range r.Clients {
		if c.Found != nil {
			out = append(out, c)
		}
	}
	return out
}

// Search searches clients at point, at most cfg.concurrency at once,
// stopping at the first sign that going on is pointless: requests in a
// row without an answer or refused for the key (ErrUnreachable), a 404 or
// 405 that is no API error (*NoAPIError), or an unknown point (a
// *ConfigError naming it). Searches that got another answer (an unknown
// client, a 5xx, an undecodable body) are left for the caller to judge in
// each Client. The load setup and the contract suite's discovery both
// search through it.
func Search(ctx context.Context, c *api.Client, clients []api.FixtureClient, point string, opts ...Option) ([]Client, error) {
	cfg := newConfig(opts)
	bctx, cancel := context.WithTimeout(ctx, cfg.budget)
	defer cancel()
	return search(bctx, ctx, c, clients, point, cfg)
}

// Classify judges one answer of the search or recalc endpoint: unknown
// names the request field ("client" or "point") a 4xx answer says is
// unknown, and fatal is a *NoAPIError for an answer that is no API's.
func classify(ex *api.Exchange, err error) (unknown string, refused bool, fatal error) {
	se, ok := api.AsStatus(err)
	if !ok {
		return "", false, nil
	}
	if se.RefusesKey() {
		return "", true, nil
	}
	if se.Status >= 400 && se.Status < 500 {
		switch {
		case se.Has("point"):
			return "point", false, nil
		case se.Has("client"):
			return "client", false, nil
		}
	}
	if se.Status == http.StatusNotFound || se.Status == http.StatusMethodNotAllowed {
		url := ""
		if ex != nil {
			url = ex.URL
		}
		return "", false, &NoAPIError{URL: url, Status: se.Status, Body: api.Snippet(se.Body, 120)}
	}
	return "", false, nil
}
