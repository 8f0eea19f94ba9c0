package contract

import "loyalcheck/reports/record"

// Record makes the contract section of a run record: the run's findings
// judged once (record.NewContract), with the coverage the suite computes.
// nil stays nil.
func (r *Result) Record() *record.Contract {
	if r == nil {
		return nil
	}
	return record.NewContract(record.Contract{
		ContractRun: r.ContractRun, ReadOnly: r.ReadOnly, Interrupted: r.Interrupted, Unreleased: r.Unreleased, Unanswered: r.Unanswered,
	}, r.Findings, CoverageOf(r))
}
