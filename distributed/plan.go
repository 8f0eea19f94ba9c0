// Package distributed splits one load run over several machines without
// a coordinator of its own: a plan fixes everything the shards must share
// (target, fixtures, scenario, load flags, the clients' initial balances
// and a common start time), each shard runs its share of the sessions
// from it and writes its results and journal into its own directory, and
// the merge joins them into one run with one ledger audit. Kubernetes (an
// Indexed Job) or any other scheduler starts the shards.
package distributed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"loyalcheck/api"
	"loyalcheck/preflight"
	"loyalcheck/scenarios"
)

// Version is the plan format's version.
const Version = 1

// Files of a distributed run's directory.
const (
	PlanFile    = "plan.json"
	JournalFile = "journal.jsonl"
	// DoneFile is the last file a shard writes: its presence says the
	// shard's directory is complete.
	DoneFile = "run.json"
)

// Plan is what every shard and the merge share. It holds no secret: the
// apikey comes from each process's environment.
type Plan struct {
	Version int       `json:"version"`
	Shards  int       `json:"shards"`
	Created time.Time `json:"created"`
	// Start is when every shard starts its sessions.
	Start   time.Time `json:"start"`
	Target  string    `json:"target"`
	Timeout Duration  `json:"timeout"`
	// ReadOnly sends search and recalc only (--read-only).
	ReadOnly bool `json:"read_only"`
	// Scenario is the scenario's name, ScenarioSource its YAML, so a
	// shard needs no file of its own.
	Scenario       string       `json:"scenario"`
	ScenarioSource string       `json:"scenario_source"`
	Fixtures       api.Fixtures `json:"fixtures"`
	// LoadFlags are the load flags as given to plan, applied by every
	// shard through the same flag parsing as load's.
	LoadFlags []string `json:"load_flags"`
	// Rate, Duration, SLO and Seed are what the flags and the scenario
	// resolved to, for the reader.
	Rate     string   `json:"rate"`
	Duration Duration `json:"duration"`
	SLO      []string `json:"slo"`
	Seed     uint64   `json:"seed"`
	// Point is where Clients were searched; Clients are the fixture
	// clients as the target showed them then, in fixtures order: their
	// initial balances are the ledger's.
	Point   string   `json:"point"`
	Clients []Client `json:"clients"`
}

// Client is a fixture client's state before the run.
type Client struct {
	Key             string  `json:"key"`
	Found           bool    `json:"found"`
	ID              string  `json:"id,omitempty"`
	Type            string  `json:"type,omitempty"`
	MaxSpendPercent float64 `json:"max_spend_percent,omitempty"`
	Balance         float64 `json:"balance"`
}

// Duration is a time.Duration written as Go writes it ("30s"), as
// scenario files write theirs.
type Duration = scenarios.Duration

// ClientsOf turns a preflight's searches into the plan's clients.
func ClientsOf(pre *preflight.Result) []Client {
	out := make([]Client, len(pre.Clients))
	for i, c := range pre.Clients {
		out[i] = Client{Key: c.Key}
		if f := c.Found; f != nil {
			out[i] = Client{Key: c.Key, Found: true, ID: f.Client.ID, Type: f.Client.Level.Type,
				MaxSpendPercent: f.Client.Level.MaxSpendPercent, Balance: f.Client.Balance}
		}
	}
	return out
}

// Preflight returns the plan's searches as a preflight's, which the load
// engine takes instead of searching again: every shard and the merge
// start from the same balances.
func (p *Plan) Preflight() *preflight.Result {
	res := &preflight.Result{Point: p.Point, Clients: make([]preflight.Client, len(p.Clients))}
	for i, c := range p.Clients {
		pc := preflight.Client{Fixture: p.Fixtures.Clients[i], Key: c.Key}
		if c.Found {
			pc.Found = &api.SearchResponse{Success: true, Client: api.Customer{ID: c.ID, Balance: c.Balance,
				Level: api.Level{Type: c.Type, MaxSpendPercent: c.MaxSpendPercent}}}
		} else {
			pc.Err = fmt.Errorf("client %s was not found when the run was planned", c.Key)
		}
		res.Clients[i] = pc
	}
	return res
}

// Check refuses a plan no shard could run.
func (p *Plan) Check() error {
	switch {
	case p.Version != Version:
		return fmt.Errorf("plan version %d, want %d", p.Version, Version)
	case p.Shards < 1:
		return fmt.Errorf("plan of %d shards", p.Shards)
	case p.Target == "":
		return fmt.Errorf("plan names no target")
	case p.ScenarioSource == "":
		return fmt.Errorf("plan holds no scenario")
	case len(p.Fixtures.Clients) != len(p.Clients):
		return fmt.Errorf("plan has %d fixture clients but %d searched", len(p.Fixtures.Clients), len(p.Clients))
	case p.Start.IsZero():
		return fmt.Errorf("plan has no start time")
	}
	if err := p.Fixtures.Validate(); err != nil {
		return err
	}
	for i, c := range p.Clients {
		if c.Key != p.Fixtures.Clients[i].SearchKey() {
			return fmt.Errorf("plan client %d searched as %q, but the fixtures say %q", i, c.Key, p.Fixtures.Clients[i].SearchKey())
		}
	}
	return nil
}

// Encode returns the plan as plan.json holds it.
func (p *Plan) Encode() ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Read reads and checks a plan.json.
func Read(path string) (*Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	return Decode(b)
}

// Decode reads and checks a plan's JSON strictly.
func Decode(b []byte) (*Plan, error) {
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	if err := p.Check(); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	return &p, nil
}

// ShardDir is the directory of shard i in the run directory dir.
func ShardDir(dir string, i int) string { return filepath.Join(dir, fmt.Sprintf("shard-%d", i)) }
