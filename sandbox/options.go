package sandbox

import (
	"fmt"
	"strings"
	"time"

	"loyalcheck/api"
)

// Defaults of a sandbox.
const (
	DefaultAddr    = "127.0.0.1:0"
	DefaultSeed    = 1
	DefaultClients = 200
	DefaultPoints  = 5

	// MaxClients and MaxPoints bound the fixtures: phones are 7920 plus
	// seven digits, and seeding a million clients already takes a while.
	MaxClients = 1_000_000
	MaxPoints  = 10_000

	// MemoryDB is the WithDB path of a database that lives and dies with
	// the Server (tests).
	MemoryDB = ":memory:"
)

// Option configures a Server or Sandbox.
type Option func(*config)

type config struct {
	addr    string
	db      string // "" means a temporary file removed on Close
	seed    int64
	clients int
	points  int
	apiKey  string
	clock   Clock
	faults  []string
	delays  map[api.Endpoint]time.Duration
}

func defaultConfig() config {
	return config{
		addr:    DefaultAddr,
		seed:    DefaultSeed,
		clients: DefaultClients,
		points:  DefaultPoints,
		apiKey:  api.SandboxAPIKey,
		clock:   realClock{},
	}
}

// WithAddr sets the address Start listens on (default 127.0.0.1:0, a free
// loopback port).
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithDB sets the SQLite file holding the sandbox's state. An existing
// file is reused with the fixtures it holds; a new one is seeded. The
// default is a temporary file removed on Close; ":memory:" keeps
// everything in memory.
func WithDB(path string) Option { return func(c *config) { c.db = path } }

// WithSeed sets the seed of the generated fixtures (default 1). It only
// matters when the database is new.
func WithSeed(seed int64) Option { return func(c *config) { c.seed = seed } }

// WithClients sets how many clients a new database is seeded with
// (default 200).
func WithClients(n int) Option { return func(c *config) { c.clients = n } }

// WithPoints sets how many points of sale a new database is seeded with
// (default 5).
func WithPoints(n int) Option { return func(c *config) { c.points = n } }

// WithAPIKey sets the apikey header value the sandbox accepts (default
// api.SandboxAPIKey).
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithClock replaces the wall clock, for tests of hold expiry.
func WithClock(clk Clock) Option { return func(c *config) { c.clock = clk } }

// WithFaults turns on faults and quirks by name (see Faults). Calls add
// up; an unknown name makes New and Start fail.
func WithFaults(names ...string) Option {
	return func(c *config) { c.faults = append(c.faults, names...) }
}

// WithDelay makes every answer of endpoint ep at least d late (0
// removes the delay): a slower build, for run comparison
// (`loyalcheck compare`) to catch. Calls add up, the last per endpoint
// wins.
func WithDelay(ep api.Endpoint, d time.Duration) Option {
	return func(c *config) {
		if c.delays == nil {
			c.delays = map[api.Endpoint]time.Duration{}
		}
		c.delays[ep] = d
	}
}

// ParseDelay reads ENDPOINT=DURATION (e.g. recalc=20ms), the form of
// the --sandbox-delay flags.
func ParseDelay(s string) (api.Endpoint, time.Duration, error) {
	name, dur, ok := strings.Cut(s, "=")
	ep := api.Endpoint(strings.TrimSpace(name))
	if !ok || !ep.Valid() {
		return "", 0, fmt.Errorf("delay %q: want ENDPOINT=DURATION, ENDPOINT one of %v", s, api.Endpoints())
	}
	d, err := time.ParseDuration(strings.TrimSpace(dur))
	if err != nil || d < 0 || d > time.Minute {
		return "", 0, fmt.Errorf("delay %q: duration %q: want e.g. 20ms, at most 1m", s, dur)
	}
	return ep, d, nil
}

func (c *config) validate() error {
	for ep, d := range c.delays {
		if !ep.Valid() || d < 0 {
			return fmt.Errorf("delay of %q: %s is not a delay of an endpoint", ep, d)
		}
	}
	switch {
	case c.clients < 1 || c.clients > MaxClients:
		return fmt.Errorf("clients: %d is not in 1..%d", c.clients, MaxClients)
	case c.points < 1 || c.points > MaxPoints:
		return fmt.Errorf("points: %d is not in 1..%d", c.points, MaxPoints)
	case c.apiKey == "":
		return fmt.Errorf("apikey: empty")
	case c.clock == nil:
		return fmt.Errorf("clock: nil")
	}
	return nil
}
