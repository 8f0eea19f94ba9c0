package load

import (
	"time"

	runrec "loyalcheck/reports/record"
)

// Summary is everything a load run measured: what `loyalcheck load`
// writes as summary.json, and what Record turns into a run record's load
// section. Its shape is the record's (runrec.LoadOf) with the ledger audit
// unjudged, and a total that a summary recorded before it existed lacks:
// read it with Totals.
type Summary runrec.LoadOf[LedgerReport, *StepMetrics]

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
