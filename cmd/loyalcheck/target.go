package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"loyalcheck/api"
	"loyalcheck/reports/record"
	"loyalcheck/sandbox"
	"loyalcheck/scenarios"
)

// targetFlags are the flags every command that talks to a target shares.
type targetFlags struct {
	target   string
	fixtures string
	timeout  time.Duration
	// caCert, clientCert and clientKey are PEM files for an https target
	// with a private CA or one that requires mutual TLS.
	caCert     string
	clientCert string
	clientKey  string
	readOnly   bool
	// faults start the embedded sandbox with injected faults, to see a
	// check catch a broken server.
	faults []string
	// delays slow endpoints of the embedded sandbox down (ENDPOINT=DUR),
	// to see `loyalcheck compare` catch a slower build.
	delays []string
	// planned are the fixtures of a distributed run's plan, used instead
	// of reading --fixtures.
	planned *api.Fixtures
}

func (t *targetFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&t.target, "target", "", "base URL of the API to test (default: an embedded sandbox on a loopback port)")
	fs.StringVar(&t.fixtures, "fixtures", "", "fixtures file naming the target's points and clients (required with --target)")
	fs.DurationVar(&t.timeout, "timeout", api.DefaultTimeout, "per-request timeout")
	fs.StringVar(&t.caCert, "ca-cert", "", "PEM `FILE` of CA certificates trusted besides the system's, for an https --target with a private CA")
	fs.StringVar(&t.clientCert, "client-cert", "", "PEM `FILE` of the client certificate for an https --target that requires mutual TLS (with --client-key)")
	fs.StringVar(&t.clientKey, "client-key", "", "PEM `FILE` of the private key of --client-cert")
	fs.BoolVar(&t.readOnly, "read-only", false, "send only search and recalc: no hold, release or retail at all (without it the contract suite and most scenarios spend and accrue points on the fixture clients)")
	fs.StringArrayVar(&t.faults, "sandbox-fault", nil, "inject this fault into the embedded sandbox, to see a check catch it (repeatable; see 'loyalcheck sandbox --list-faults')")
	fs.StringArrayVar(&t.delays, "sandbox-delay", nil, "delay every answer of an endpoint of the embedded sandbox, `ENDPOINT=DURATION` (e.g. recalc=20ms; repeatable): a slower build for 'loyalcheck compare' to catch")
}

// target is a connected target: the client, its fixtures, and what to do
// when the command is done with it.
type target struct {
	client   *api.Client
	fixtures *api.Fixtures
	url      string
	embedded bool
	close    func()
}

// describe fills in what a run record says of the target, its fixtures
// and the scenario run (nil for none), and returns the record.
func (t *target) describe(rec *record.Record, sc *scenarios.Scenario) *record.Record {
	rec.Target = record.TargetOf(t.url, t.embedded)
	rec.Fixtures = record.SummarizeFixtures(t.fixtures)
	rec.Scenario = record.ScenarioInfoOf(sc)
	return rec
}

// key returns the apikey the target is called with, for scrubbing.
func (t *target) key(e *env) string { return apiKey(e, t.embedded) }

// apiKey is the one place a command takes the apikey from:
// LOYALCHECK_APIKEY, never a flag. A sandbox (embedded, or 'loyalcheck
// sandbox') falls back to its built-in key when the variable is unset;
// any other target then has none ("").
func apiKey(e *env, sandbox bool) string {
	if k := e.getenv(api.APIKeyEnv); k != "" {
		return k
	}
	if sandbox {
		return api.SandboxAPIKey
	}
	return ""
}

// check refuses flags that do not go together, before anything runs.
func (t *targetFlags) check(*pflag.FlagSet) error {
	if t.timeout <= 0 {
		return fmt.Errorf("--timeout must be positive")
	}
	if _, err := t.sandboxDelays(); err != nil {
		return fmt.Errorf("--sandbox-delay: %w", err)
	}
	tls := t.caCert != "" || t.clientCert != "" || t.clientKey != ""
	if t.target == "" {
		switch {
		case t.fixtures != "":
			return fmt.Errorf("--fixtures needs --target (the embedded sandbox brings its own)")
		case tls:
			return fmt.Errorf("--ca-cert, --client-cert and --client-key need an https --target (the embedded sandbox is plain http)")
		}
		return nil
	}
	switch {
	case len(t.faults) > 0:
		return fmt.Errorf("--sandbox-fault applies to the embedded sandbox only, not to --target")
	case len(t.delays) > 0:
		return fmt.Errorf("--sandbox-delay applies to the embedded sandbox only, not to --target")
	case t.fixtures == "":
		return fmt.Errorf("--target needs --fixtures FILE (the points and clients to use)")
	case (t.clientCert == "") != (t.clientKey == ""):
		return fmt.Errorf("--client-cert and --client-key go together")
	}
	return nil
}

// sandboxDelays reads --sandbox-delay as sandbox options.
func (t *targetFlags) sandboxDelays() ([]sandbox.Option, error) {
	var opts []sandbox.Option
	for _, s := range t.delays {
		ep, d, err := sandbox.ParseDelay(s)
		if err != nil {
			return nil, err
		}
		opts = append(opts, sandbox.WithDelay(ep, d))
	}
	return opts, nil
}

// open connects to the target of checked flags. With no --target it
// starts the embedded sandbox and says so in one line on stderr. The key
// comes from LOYALCHECK_APIKEY only. It returns a non-zero exit code on a
// usage error.
func (t *targetFlags) open(ctx context.Context, e *env, cmd string, opts ...api.Option) (*target, int) {
	opts = append([]api.Option{api.WithTimeout(t.timeout), api.WithReadOnly(t.readOnly)}, opts...)
	if t.target == "" {
		delays, _ := t.sandboxDelays() // checked by check
		sb, err := sandbox.Start(ctx, append(delays, sandbox.WithAPIKey(apiKey(e, true)), sandbox.WithFaults(t.faults...))...)
		if err != nil {
			return nil, usageErr(e, cmd, "starting the embedded sandbox: %v", err)
		}
		c, err := sb.Client(opts...)
		if err != nil {
			sb.Close()
			return nil, usageErr(e, cmd, "%v", err)
		}
		note := ""
		if len(t.faults) > 0 {
			note = fmt.Sprintf(" with faults %v", t.faults)
		}
		if len(t.delays) > 0 {
			note += fmt.Sprintf(" with delays %v", t.delays)
		}
		fmt.Fprintf(e.stderr, "target: embedded sandbox at %s%s (no --target given)\n", sb.URL(), note)
		return &target{client: c, fixtures: sb.Fixtures(), url: sb.URL(), embedded: true,
			close: func() { sb.Close() }}, exitOK
	}
	key := apiKey(e, false)
	if key == "" {
		return nil, usageErr(e, cmd, "set the apikey in the environment variable %s (it is never taken from a flag)", api.APIKeyEnv)
	}
	fx := t.planned
	if fx == nil {
		var err error
		if fx, err = api.ReadFixtures(t.fixtures); err != nil {
			return nil, usageErr(e, cmd, "%v", err)
		}
	}
	if t.caCert != "" || t.clientCert != "" || t.clientKey != "" {
		tc, err := api.LoadTLSConfig(t.caCert, t.clientCert, t.clientKey)
		if err != nil {
			return nil, usageErr(e, cmd, "%v", err)
		}
		opts = append(opts, api.WithTLSConfig(tc))
	}
	c, err := api.NewClient(t.target, append(opts, api.WithAPIKey(key))...)
	if err != nil {
		return nil, usageErr(e, cmd, "%v", err)
	}
	return &target{client: c, fixtures: fx, url: c.BaseURL(), close: c.CloseIdleConnections}, exitOK
}

// readOnlyScenario refuses, under --read-only, a scenario with steps that
// change the target; it returns exitOK when the run may go ahead.
func (t *targetFlags) readOnlyScenario(e *env, cmd string, sc *scenarios.Scenario) int {
	if !t.readOnly {
		return exitOK
	}
	if w := sc.Writes(); len(w) > 0 {
		return usageErr(e, cmd, "--read-only: scenario %s has %s steps, which change the target; use a scenario of search and recalc only (e.g. read-only)",
			sc.Name, strings.Join(w, ", "))
	}
	return exitOK
}
