package load

import "time"

// Observer watches a run live, e.g. to export metrics while it runs. The
// engine calls it where it counts what the summary reports, so an
// observer's totals equal the summary's: requests and sessions of the
// warm-up are not observed, as the summary does not count them.
//
// Calls are on the run's hot path: they must not block, and should not
// allocate or lock. Rate and Scheduled come from the scheduler, Request,
// Session and Violation from the one goroutine that aggregates results,
// SessionDone from each session's goroutine, concurrently.
type Observer interface {
	// Rate is the target session start rate (per second) when a start
	// falls due, and 0 once the run stops scheduling.
	Rate(perSecond float64)
	// Scheduled is a session start that fell due: started is false when
	// it was dropped because max in flight sessions were running.
	Scheduled(started bool)
	// SessionDone is a started session that stopped running.
	SessionDone()
	// Request is one step's answer: the outcome its step metrics count it
	// under, and its latency.
	Request(step string, o Outcome, latency time.Duration)
	// Session is a session's end: OutcomeOK, OutcomeFailed or
	// OutcomeAborted, as Sessions counts it.
	Session(o Outcome, latency time.Duration)
	// Violation is a contract rule one response of step broke.
	Violation(step, rule string)
}

// WithObserver makes o watch every run (every step of a capacity search
// alike).
func WithObserver(o Observer) Option {
	return func(c *config) {
		if o != nil {
			c.observer = o
		}
	}
}

// Outcome is how a request or a session ended, as the summary counts it.
type Outcome uint8

const (
	// OutcomeOK is a request answered 200 with a valid body, or a
	// session all of whose steps were.
	OutcomeOK = Outcome(outcomeOK)
	// OutcomeRefused is a request refused (422) as the scenario expects.
	OutcomeRefused = Outcome(outcomeRefused)
	// OutcomeUnexpected is any other answer of a request.
	OutcomeUnexpected = Outcome(outcomeUnexpected)
	// OutcomeFailed is a session with a step that did not pass.
	OutcomeFailed = OutcomeUnexpected + 1
	// OutcomeAborted is a session cut short by an interrupt.
	OutcomeAborted = OutcomeFailed + 1
)

// RequestOutcomes are the outcomes of Observer.Request.
func RequestOutcomes() []Outcome { return []Outcome{OutcomeOK, OutcomeRefused, OutcomeUnexpected} }

// SessionOutcomes are the outcomes of Observer.Session.
func SessionOutcomes() []Outcome { return []Outcome{OutcomeOK, OutcomeFailed, OutcomeAborted} }

// String is the name the summary's fields give the outcome.
func (o Outcome) String() string {
	switch o {
	case OutcomeOK:
		return "ok"
	case OutcomeRefused:
		return "refused"
	case OutcomeUnexpected:
		return "unexpected"
	case OutcomeFailed:
		return "failed"
	case OutcomeAborted:
		return "aborted"
	}
	return "unknown"
}

// sessionOutcome classifies a session record as Sessions counts it.
func sessionOutcome(r *record) Outcome {
	switch {
	case r.aborted:
		return OutcomeAborted
	case r.outcome != outcomeOK:
		return OutcomeFailed
	}
	return OutcomeOK
}

// watcher is the run's observer, one that watches nothing without
// WithObserver.
func (c *config) watcher() Observer {
	if c.observer == nil {
		return nopObserver{}
	}
	return c.observer
}

// nopObserver watches nothing.
type nopObserver struct{}

func (nopObserver) Rate(float64)                           {}
func (nopObserver) Scheduled(bool)                         {}
func (nopObserver) SessionDone()                           {}
func (nopObserver) Request(string, Outcome, time.Duration) {}
func (nopObserver) Session(Outcome, time.Duration)         {}
func (nopObserver) Violation(string, string)               {}
