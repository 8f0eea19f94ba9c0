package load

import runrec "loyalcheck/reports/record"

// Record makes the load section of a run record from a summary: the same
// measured values (they are the record's types), with the total over
// every request, sealed as every record writes it (runrec.Load.Seal).
// nil stays nil.
func (s *Summary) Record() *runrec.Load {
	if s == nil {
		return nil
	}
	out := &runrec.Load{
		Scenario: s.Scenario, Pacer: s.Pacer, Seed: s.Seed, Started: s.Started, Ended: s.Ended,
		Duration: s.Duration, Elapsed: s.Elapsed, Interrupted: s.Interrupted,
		AskedRate: s.AskedRate, AchievedRate: s.AchievedRate, RequestRate: s.RequestRate,
		Sessions: s.Sessions, Steps: s.Steps, Total: s.Totals(), Session: s.Session,
		Violations: s.Violations, Ledger: runrec.Ledger{LedgerAudit: s.Ledger},
		Contention: s.Contention, Validation: s.Validation, Timeline: s.Timeline,
	}
	out.Seal()
	return out
}
