package load

import (
	"time"

	runrec "loyalcheck/reports/record"
)

// Summary is everything a load run measured. It is what `loyalcheck load`
// writes as summary.json and what reports render.
type Summary struct {
	Scenario string    `json:"scenario"`
	Pacer    string    `json:"pacer"`
	Seed     uint64    `json:"seed"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended"`
	// Duration is the asked duration of session starts; Elapsed is how long
	// the run really took, drain and ledger included.
	Duration    time.Duration `json:"duration_ns"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	Interrupted bool          `json:"interrupted"`
	// AskedRate and AchievedRate are session starts per second.
	AskedRate    float64 `json:"asked_rate"`
	AchievedRate float64 `json:"achieved_rate"`
	// RequestRate is requests per second over all steps.
	RequestRate float64  `json:"request_rate"`
	Sessions    Sessions `json:"sessions"`
	// Steps holds one entry per step name in flow order.
	Steps []StepMetrics `json:"steps"`
	// Total is every request of every step together, sessions excluded:
	// what `vegeta report results.bin` measures. Read it with Totals,
	// which also serves summaries recorded before it existed.
	Total *StepMetrics `json:"total,omitempty"`
	// Session is the whole-session metric: latency from the scheduled start
	// to the end of the last step, less the scenario's think times. Counting
	// from the scheduled start keeps any queueing before the session in it
	// (no coordinated omission); the think times are the scenario's pauses,
	// not the target's.
	Session    StepMetrics        `json:"session"`
	Violations []ViolationCount   `json:"violations"`
	Ledger     LedgerReport       `json:"ledger"`
	Contention *Contention        `json:"contention,omitempty"`
	Validation ValidationSettings `json:"validation"`
	// Timeline holds per-second buckets for plots of throughput and errors.
	Timeline []Bucket `json:"timeline"`
}

// The measured values of a summary are the run record's types: package
// record defines how a measurement is written once, for summary.json and
// run.json alike. The names below keep the engine's vocabulary.
type (
	Sessions           = runrec.Sessions
	StepMetrics        = runrec.StepMetrics
	ErrorCount         = runrec.ErrorCount
	ViolationCount     = runrec.ViolationCount
	Contention         = runrec.Contention
	StepLatency        = runrec.StepLatency
	ValidationSettings = runrec.Validation
	Bucket             = runrec.Bucket
	LedgerReport       = runrec.LedgerAudit
	LedgerFinding      = runrec.LedgerFinding
	Latency            = runrec.Latency
)

// end stamps the end of what the summary covers: Elapsed runs from
// Started to now (a run's drain, then again after its ledger audit).
func (s *Summary) end() {
	s.Ended = time.Now()
	s.Elapsed = s.Ended.Sub(s.Started)
}

// Failed reports whether the run breaks a rule: a ledger failure, a
// contract violation under load, or an unexpected outcome is not judged
// here (thresholds do that); only ledger and contract verdicts are.
func (s *Summary) Failed() bool {
	for _, f := range s.Ledger.Findings {
		if f.Status == "fail" {
			return true
		}
	}
	return len(s.Violations) > 0
}

// Step returns the metrics of the named step ("session" for sessions).
func (s *Summary) Step(name string) (StepMetrics, bool) {
	return runrec.StepOf(s.Steps, s.Session, name)
}

// totalName names the metrics of all steps together.
const totalName = runrec.TotalStep

// Totals returns the figures over every request of every step, sessions
// excluded. A summary without Total (recorded by an older loyalcheck, or
// built by hand) gets them summed from its steps; its rates then span the
// run as RequestRate does, and it has no latency over all steps.
func (s *Summary) Totals() StepMetrics {
	if s.Total != nil {
		return *s.Total
	}
	return runrec.SumSteps(s.Steps, s.RequestRate)
}
