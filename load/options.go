package load

import (
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"loyalcheck/preflight"
	"loyalcheck/scenarios"
	"loyalcheck/schemas"
)

// Option configures a Run.
type Option func(*config)

type config struct {
	rate        scenarios.Rate
	duration    time.Duration
	pacer       vegeta.Pacer
	seed        uint64
	validator   *schemas.Validator
	validate    float64
	sinks       []func(*vegeta.Result) error
	sessSinks   []func(*vegeta.Result) error
	progress    func(Progress)
	progressInt time.Duration
	drain       time.Duration
	maxInFlight int
	tolerance   time.Duration
	warmup      time.Duration
	searched    *preflight.Result
	holdBound   time.Duration
	observer    Observer
	shard       shard
	startAt     time.Time
}

// shard is the share of a distributed run's sessions one process starts.
type shard struct{ index, count int }

// WithShard makes the run one of count shards of a distributed run: the
// pacer schedules the whole run's session starts and this run starts
// every count-th of them, from the index-th (0-based). Session n of the
// whole run draws its flow, client and amounts from the seed and n, so
// the shards together start exactly the sessions one process would.
func WithShard(index, count int) Option {
	return func(c *config) { c.shard = shard{index, count} }
}

// WithStartAt schedules the run from t instead of from when Run is called:
// the shards of a distributed run share one start time. A t already past
// charges the lateness to the first sessions' latency, as for any session
// started late.
func WithStartAt(t time.Time) Option { return func(c *config) { c.startAt = t } }

// withHoldAnswerBound shortens how long a hold request may wait for its
// answer (holdAnswerBound), for tests of a target that never answers.
func withHoldAnswerBound(d time.Duration) Option { return func(c *config) { c.holdBound = d } }

// WithPreflight hands NewRunner the preflight's searches of the fixture
// clients, made just before, so its setup does not search them again.
// Balances must not have changed since (no other run in between).
func WithPreflight(r *preflight.Result) Option { return func(c *config) { c.searched = r } }

// WithRate overrides the scenario's session start rate.
func WithRate(r scenarios.Rate) Option { return func(c *config) { c.rate = r } }

// WithDuration overrides how long sessions are started for.
func WithDuration(d time.Duration) Option { return func(c *config) { c.duration = d } }

// WithPacer replaces the scenario's pacer altogether (capacity search).
func WithPacer(p vegeta.Pacer) Option { return func(c *config) { c.pacer = p } }

// WithSeed makes the choice of flows, clients, points and amounts
// repeatable.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithValidator sets the schema validator (default: schemas.New()).
func WithValidator(v *schemas.Validator) Option { return func(c *config) { c.validator = v } }

// WithValidateFraction sets the share of responses schema-validated: 1
// validates all (the default), 0 none.
func WithValidateFraction(f float64) Option { return func(c *config) { c.validate = f } }

// WithResults adds a sink that receives every request's result as it
// completes, bodies already dropped; e.g. a vegeta encoder. Sessions go to
// WithSessionResults: mixed in, they would count as requests in anything
// reading the results (vegeta report).
func WithResults(sink func(*vegeta.Result) error) Option {
	return func(c *config) { c.sinks = append(c.sinks, sink) }
}

// WithSessionResults adds a sink that receives every session as a vegeta
// result (Attack "session", Method "SESSION", URL the flow's name, Latency
// the session's) as it ends.
func WithSessionResults(sink func(*vegeta.Result) error) Option {
	return func(c *config) { c.sessSinks = append(c.sessSinks, sink) }
}

// WithProgress calls f every interval with a live snapshot.
func WithProgress(interval time.Duration, f func(Progress)) Option {
	return func(c *config) { c.progress, c.progressInt = f, interval }
}

// WithDrain bounds how long in-flight sessions may run on after the run is
// interrupted (default 10s).
func WithDrain(d time.Duration) Option { return func(c *config) { c.drain = d } }

// WithMaxInFlight overrides the scenario's cap on concurrent sessions.
func WithMaxInFlight(n int) Option { return func(c *config) { c.maxInFlight = n } }

// WithClockTolerance sets how far a hold's until may be from the expected
// time (H2) before it is a violation (default 60s).
func WithClockTolerance(d time.Duration) Option { return func(c *config) { c.tolerance = d } }

// WithWarmup excludes sessions scheduled in the first d of the run from
// the metrics (they still run and count in the ledger).
func WithWarmup(d time.Duration) Option { return func(c *config) { c.warmup = d } }

// Progress is a live snapshot of a run.
type Progress struct {
	Elapsed      time.Duration
	Duration     time.Duration
	AskedRate    float64
	AchievedRate float64
	Started      uint64
	Dropped      uint64
	InFlight     int64
	Requests     uint64
	Errors       uint64
	Violations   uint64
	SessionP99   time.Duration
}
