package record

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

// Verdict is the run's outcome. Pass is false when anything that must
// hold did not; Reasons then says each thing, one line each. Notes are
// what a reader should know that did not fail the run (warnings, skipped
// checks, an audit that could not run).
type Verdict struct {
	Pass bool `json:"pass"`
	// Incomplete is set when nothing failed but the contract left a doc
	// rule unverified that the user did not accept: the run does not pass
	// (coverage fails closed), and Reasons name each rule and why.
	Incomplete bool     `json:"incomplete,omitempty"`
	Reasons    []string `json:"reasons"`
	Notes      []string `json:"notes"`
}

// Word is PASS, FAIL or INCOMPLETE.
func (v Verdict) Word() string {
	switch {
	case v.Pass:
		return "PASS"
	case v.Incomplete:
		return "INCOMPLETE"
	}
	return "FAIL"
}
