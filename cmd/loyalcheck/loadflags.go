package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"loyalcheck/api"
	"loyalcheck/load"
	"loyalcheck/load/promexport"
	"loyalcheck/scenarios"
	"loyalcheck/schemas"
)

// loadFlags are the load options shared by load, accept and capacity:
// registered on each command's flag set by register, checked by check
// in parseFlags, so the three refuse a bad value alike before anything
// runs.
type loadFlags struct {
	// search is set for capacity: its search sets the rate and the
	// duration step by step, and its --slo replaces the scenario's SLOs
	// (they are the question) instead of adding to them.
	search bool
	// readOnlyDefault runs the read-only scenario under --read-only when
	// --scenario is left out (accept, capacity); load refuses its
	// writing default instead.
	readOnlyDefault bool

	scenario    string
	rate        string
	duration    time.Duration
	validate    string
	seed        uint64
	slo         []string
	maxInFlight int
	drain       time.Duration
	metricsAddr string

	// scenarioSource, when set, is the scenario's YAML, taken from a
	// plan instead of from --scenario's name or file.
	scenarioSource []byte

	// Set by check: the run options the flags give, and whether
	// --scenario was given.
	opts          []load.Option
	scenarioGiven bool
}

func (l *loadFlags) register(fs *pflag.FlagSet) {
	scenarioUsage := "built-in scenario name or scenario file"
	if l.readOnlyDefault {
		scenarioUsage += " (with --read-only: read-only)"
	}
	fs.StringVar(&l.scenario, "scenario", "checkout", scenarioUsage)
	if l.search {
		fs.StringArrayVar(&l.slo, "slo", nil, "SLO every step must keep, e.g. 'p99(session)<200ms' (repeatable; replaces the scenario's)")
	} else {
		fs.StringVar(&l.rate, "rate", "", "session start rate, e.g. 50/1s (default: the scenario's)")
		fs.DurationVar(&l.duration, "duration", 0, "how long to start sessions (default: the scenario's)")
		fs.StringArrayVar(&l.slo, "slo", nil, "threshold, e.g. 'p99(retail)<300ms' (repeatable; added to the scenario's)")
	}
	fs.StringVar(&l.validate, "validate", "all", "share of responses to schema-validate: all, none, or a share like 10% or 0.1")
	fs.Uint64Var(&l.seed, "seed", 1, "seed for flows, clients, points and amounts")
	dropped := "starts beyond it are dropped and counted"
	if l.search {
		dropped = "a dropped start fails the step"
	}
	fs.IntVar(&l.maxInFlight, "max-in-flight", 0, "cap on concurrent sessions; "+dropped+" (default: the scenario's)")
	fs.DurationVar(&l.drain, "drain", 10*time.Second, "after Ctrl-C, how long sessions in flight may take to finish (0: stop them at once)")
	fs.StringVar(&l.metricsAddr, "metrics-addr", "", "serve live Prometheus metrics at http://HOST:PORT/metrics while the run lasts, e.g. 127.0.0.1:9464 (a host is required; default: off)")
}

// check refuses what no run could use and turns the flags into run
// options. fs tells a number given as 0 from one left out: a number given
// is used as given or refused, never replaced by the scenario's.
func (l *loadFlags) check(fs *pflag.FlagSet) error {
	l.scenarioGiven = fs.Changed("scenario")
	opts := []load.Option{load.WithSeed(l.seed)}
	if l.rate != "" {
		r, err := scenarios.ParseRate(l.rate)
		if err != nil {
			return fmt.Errorf("--rate: %w", err)
		}
		opts = append(opts, load.WithRate(r))
	}
	if fs.Changed("duration") {
		if l.duration <= 0 {
			return fmt.Errorf("--duration %s: want a positive duration (leave it out for the scenario's)", l.duration)
		}
		opts = append(opts, load.WithDuration(l.duration))
	}
	frac := 1.0
	switch l.validate {
	case "", "all":
	case "none":
		frac = 0
	default:
		var err error
		if frac, err = parseShare(l.validate); err != nil {
			return fmt.Errorf("--validate %q: want all, none, or a share between 0 and 1, like 10%% or 0.1", l.validate)
		}
	}
	opts = append(opts, load.WithValidateFraction(frac))
	if fs.Changed("max-in-flight") {
		if l.maxInFlight <= 0 {
			return fmt.Errorf("--max-in-flight %d: want at least 1 session (leave it out for the scenario's)", l.maxInFlight)
		}
		opts = append(opts, load.WithMaxInFlight(l.maxInFlight))
	}
	if l.drain < 0 {
		return fmt.Errorf("--drain %s: want 0 (stop sessions in flight at once) or a positive duration", l.drain)
	}
	opts = append(opts, load.WithDrain(l.drain))
	if _, err := load.ParseThresholds(l.slo); err != nil {
		return err
	}
	if l.metricsAddr != "" {
		if err := promexport.CheckAddr(l.metricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr %w", err)
		}
	}
	l.opts = opts
	return nil
}

// loadSetup is what the load flags resolve to.
type loadSetup struct {
	scenario   *scenarios.Scenario
	thresholds []load.Threshold
	opts       []load.Option
	validator  *schemas.Validator
	// run runs the load (default load.Run: run, then audit).
	run func(context.Context, *api.Client, *api.Fixtures, *scenarios.Scenario, ...load.Option) (*load.Summary, error)
	// metrics serves the run's metrics (--metrics-addr) until close.
	metrics *promexport.Server
}

// close stops serving the metrics, once the run is over: the command
// defers it, so the last scrape before the exit sees the final counts.
func (s *loadSetup) close() {
	if s.metrics == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.metrics.Close(ctx)
}

// resolve loads the scenario, refused under --read-only when it writes,
// joins its SLOs with --slo's, and listens on --metrics-addr at once: a
// port in use is a usage error before the target is touched. The caller
// defers the setup's close.
func (l *loadFlags) resolve(e *env, cmd string, tf *targetFlags) (*loadSetup, int) {
	v, err := schemas.New()
	if err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
		return nil, exitUsage
	}
	name := l.scenario
	if l.readOnlyDefault && tf.readOnly && !l.scenarioGiven {
		name = "read-only"
	}
	var sc *scenarios.Scenario
	if l.scenarioSource != nil {
		sc, err = scenarios.Parse(l.scenarioSource, name)
	} else {
		sc, err = scenarios.Load(name)
	}
	if err != nil {
		return nil, usageErr(e, cmd, "%v", err)
	}
	if code := tf.readOnlyScenario(e, cmd, sc); code != exitOK {
		return nil, code
	}
	slo := append(append([]string{}, sc.SLO...), l.slo...)
	if l.search && len(l.slo) > 0 {
		slo = l.slo
	}
	ts, err := load.ParseThresholds(slo)
	if err != nil {
		return nil, usageErr(e, cmd, "%v", err)
	}
	opts := append([]load.Option{load.WithValidator(v)}, l.opts...)
	setup := &loadSetup{scenario: sc, thresholds: ts, opts: opts, validator: v}
	if l.metricsAddr != "" {
		x := promexport.New()
		srv, err := promexport.Listen(l.metricsAddr, x)
		if err != nil {
			return nil, usageErr(e, cmd, "--metrics-addr %v", err)
		}
		setup.metrics = srv
		setup.opts = append(setup.opts, load.WithObserver(x))
		where := "this machine only"
		if !promexport.Loopback(srv.Addr()) {
			where = "reachable from the network"
		}
		fmt.Fprintf(e.stderr, "metrics: http://%s/metrics (%s) until the run ends\n", srv.Addr(), where)
	}
	return setup, exitOK
}
