package reports

import (
	"time"

	"loyalcheck/reports/record"
)

// junitError is the one failing case of a run that could not be carried
// out.
func junitError(r *record.Record) junitSuite {
	j := newJUnitSuite(r, "loyalcheck", r.Started, r.Ended.Sub(r.Started))
	took := max(r.Ended.Sub(r.Started), 0)
	j.add(junitCase{
		Name:      "run " + r.Kind + ": " + r.Error.Kind,
		Classname: "loyalcheck.run",
		Time:      seconds(took.Round(time.Millisecond)),
		Failure:   newFailure(oneLine(r.Error.Message), r.Error.Kind, r.Error.Message),
	})
	return j.done()
}
