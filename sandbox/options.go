package sandbox

import (
	"fmt"

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

func (c *config) validate() error {
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
