// Package promexport exports a load run live as Prometheus metrics: an
// Exporter is a load.Observer that keeps them in its own registry, served
// by Handler. It is the one file that imports client_golang; the load
// engine knows only its Observer.
package promexport

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"loyalcheck/api"
	"loyalcheck/load"
)

// Metric names, as the README and docs/grafana-dashboard.json use them.
const (
	Requests        = "loyalcheck_requests_total"
	RequestDuration = "loyalcheck_request_duration_seconds"
	Sessions        = "loyalcheck_sessions_total"
	SessionDuration = "loyalcheck_session_duration_seconds"
	SessionsStarted = "loyalcheck_sessions_started_total"
	SessionsDropped = "loyalcheck_sessions_dropped_total"
	InFlight        = "loyalcheck_sessions_in_flight"
	Violations      = "loyalcheck_violations_total"
	TargetRate      = "loyalcheck_target_sessions_per_second"
)

// latencyBuckets span 1 ms to 10 s, three a decade: what a loyalty API
// answers in, from a local sandbox to a slow vendor.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Exporter is a load.Observer keeping the run's metrics. Labels are step
// (an API endpoint), outcome and rule only: their values come from
// loyalcheck's own catalogue, never from the target, and no apikey or
// client identifier is ever one, so the series stay few.
type Exporter struct {
	reg *prometheus.Registry
	// steps holds each endpoint's series, resolved once: a request's
	// observation is a map read and atomic adds, no lock, no allocation.
	// Read-only after New.
	steps      map[string]*stepSeries
	rules      map[string]bool
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	sessions   [load.OutcomeAborted + 1]prometheus.Counter
	sessionLat prometheus.Histogram
	started    prometheus.Counter
	dropped    prometheus.Counter
	inFlight   prometheus.Gauge
	rate       prometheus.Gauge
	violations *prometheus.CounterVec
}

type stepSeries struct {
	requests [load.OutcomeUnexpected + 1]prometheus.Counter
	latency  prometheus.Observer
}

// New returns an Exporter with its own registry (never the global one:
// two runs in one process keep apart), every step's series at zero.
func New() *Exporter {
	x := &Exporter{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: Requests, Help: "Requests answered, by step and outcome (ok, refused as expected, unexpected).",
		}, []string{"step", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: RequestDuration, Help: "Request latency by step.", Buckets: latencyBuckets,
		}, []string{"step"}),
		sessionLat: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: SessionDuration, Help: "Session latency, from its scheduled start to its last answer, think times excluded.", Buckets: latencyBuckets,
		}),
		started:  prometheus.NewCounter(prometheus.CounterOpts{Name: SessionsStarted, Help: "Sessions started."}),
		dropped:  prometheus.NewCounter(prometheus.CounterOpts{Name: SessionsDropped, Help: "Session starts dropped because max in flight sessions were running."}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: InFlight, Help: "Sessions running now."}),
		rate:     prometheus.NewGauge(prometheus.GaugeOpts{Name: TargetRate, Help: "Session start rate the pacer asks for now; 0 between runs."}),
		violations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: Violations, Help: "Contract rules broken by responses, by step and rule.",
		}, []string{"step", "rule"}),
		steps: map[string]*stepSeries{},
		rules: map[string]bool{},
	}
	for _, r := range api.Rules() {
		x.rules[r.ID] = true
	}
	sessions := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: Sessions, Help: "Sessions ended, by outcome (ok, failed, aborted by an interrupt).",
	}, []string{"outcome"})
	for _, o := range load.SessionOutcomes() {
		x.sessions[o] = sessions.WithLabelValues(o.String())
	}
	for _, ep := range api.Endpoints() {
		x.steps[string(ep)] = x.resolve(string(ep))
	}
	x.reg.MustRegister(x.requests, x.latency, sessions, x.sessionLat, x.started, x.dropped, x.inFlight, x.rate, x.violations)
	return x
}

func (x *Exporter) resolve(step string) *stepSeries {
	s := &stepSeries{latency: x.latency.WithLabelValues(step)}
	for _, o := range load.RequestOutcomes() {
		s.requests[o] = x.requests.WithLabelValues(step, o.String())
	}
	return s
}

// Handler serves the metrics in any format a scraper asks for.
func (x *Exporter) Handler() http.Handler {
	return promhttp.HandlerFor(x.reg, promhttp.HandlerOpts{})
}

// Gatherer gives the registry, for tests and dashboards to check names.
func (x *Exporter) Gatherer() prometheus.Gatherer { return x.reg }

// Rate implements load.Observer.
func (x *Exporter) Rate(perSecond float64) { x.rate.Set(perSecond) }

// Scheduled implements load.Observer.
func (x *Exporter) Scheduled(started bool) {
	if !started {
		x.dropped.Inc()
		return
	}
	x.started.Inc()
	x.inFlight.Inc()
}

// SessionDone implements load.Observer.
func (x *Exporter) SessionDone() { x.inFlight.Dec() }

// Request implements load.Observer.
func (x *Exporter) Request(step string, o load.Outcome, latency time.Duration) {
	s, ok := x.steps[step]
	if !ok || int(o) >= len(s.requests) {
		// Not an endpoint of the catalogue or an outcome of a request:
		// the engine never reports one, and a label never takes it.
		return
	}
	s.requests[o].Inc()
	s.latency.Observe(latency.Seconds())
}

// Session implements load.Observer.
func (x *Exporter) Session(o load.Outcome, latency time.Duration) {
	if int(o) >= len(x.sessions) || x.sessions[o] == nil {
		return
	}
	x.sessions[o].Inc()
	x.sessionLat.Observe(latency.Seconds())
}

// Violation implements load.Observer. Its series is looked up per call
// (a lock and a hash): violations are the exception, and pre-resolving
// every rule of every step would export hundreds of zero series. A rule
// outside the catalogue never becomes a label.
func (x *Exporter) Violation(step, rule string) {
	if _, ok := x.steps[step]; !ok || !x.rules[rule] {
		return
	}
	x.violations.WithLabelValues(step, rule).Inc()
}
