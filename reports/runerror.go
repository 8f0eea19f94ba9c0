package reports

import "time"

// Run error kinds: why a run could not be carried out.
const (
	// ErrorConfig is a configuration error found against the target: the
	// fixtures name clients or points it does not know (exit 2).
	ErrorConfig = "config"
	// ErrorNoAPI is a target URL that serves no loyalty API (exit 3).
	ErrorNoAPI = "no-api"
	// ErrorUnreachable is a target that does not answer or refuses the
	// apikey (exit 3).
	ErrorUnreachable = "unreachable"
)

// RunError says why a run stopped before it could judge the target. A
// record holding one fails, so that CI shows the reason next to the red
// gate instead of an empty report.
type RunError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// junitError is the one failing case of a run that could not be carried
// out.
func junitError(r *Record) junitSuite {
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
