package load

import (
	"fmt"
	"strings"
	"time"
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

// Sessions counts sessions by fate.
type Sessions struct {
	// Scheduled is every start the pacer asked for; Started + Dropped =
	// Scheduled.
	Scheduled uint64 `json:"scheduled"`
	Started   uint64 `json:"started"`
	// Dropped sessions were not started because MaxInFlight sessions were
	// already running: never queued silently.
	Dropped   uint64 `json:"dropped"`
	Completed uint64 `json:"completed"`
	// Failed sessions had at least one unexpected outcome.
	Failed uint64 `json:"failed"`
	// Aborted sessions were cut short by an interrupt.
	Aborted     uint64 `json:"aborted"`
	MaxInFlight int    `json:"max_in_flight"`
	PeakFlight  int64  `json:"peak_in_flight"`
}

// StepMetrics measures one step (or whole sessions).
type StepMetrics struct {
	Name     string `json:"name"`
	Requests uint64 `json:"requests"`
	// Rate is requests per second; Throughput correct outcomes per second.
	Rate       float64 `json:"rate"`
	Throughput float64 `json:"throughput"`
	// Success is the share of correct outcomes: a 200 with a valid body,
	// or a refusal the scenario provoked on purpose (e.g. spend: over).
	Success float64 `json:"success"`
	OK      uint64  `json:"ok"`
	// Refused counts expected 422s (insufficient balance under
	// contention, over-the-limit spends).
	Refused     uint64         `json:"refused"`
	Unexpected  uint64         `json:"unexpected"`
	Violations  uint64         `json:"violations"`
	StatusCodes map[string]int `json:"status_codes"`
	Errors      []ErrorCount   `json:"errors"`
	Latency     Latency        `json:"latency"`
	BytesIn     uint64         `json:"bytes_in"`
	BytesOut    uint64         `json:"bytes_out"`
	// Histogram is the whole latency distribution of a step or of
	// sessions (not of Total, which the steps' merge gives), in
	// HdrHistogram's compressed base64 encoding; read it with
	// DecodeHistogram. Empty when nothing was measured or the summary was
	// recorded before it existed.
	Histogram string `json:"histogram,omitempty"`
}

// ErrorFraction is the share of unexpected outcomes.
func (m StepMetrics) ErrorFraction() float64 {
	if m.Requests == 0 {
		return 0
	}
	return float64(m.Unexpected) / float64(m.Requests)
}

// ErrorCount is one kind of unexpected outcome and how often it happened.
type ErrorCount struct {
	Error string `json:"error"`
	Count uint64 `json:"count"`
}

// ViolationCount is a contract rule broken under load, per step.
type ViolationCount struct {
	Step    string `json:"step"`
	Rule    string `json:"rule"`
	Count   uint64 `json:"count"`
	Example string `json:"example"`
}

// Contention reports how the target handled competing holds and spends.
type Contention struct {
	HotClients     int    `json:"hot_clients"`
	HoldsAccepted  uint64 `json:"holds_accepted"`
	HoldsRefused   uint64 `json:"holds_refused"`
	SpendsAccepted uint64 `json:"spends_accepted"`
	SpendsRefused  uint64 `json:"spends_refused"`
	// Hot and Cold compare latency per step on hot clients and the rest.
	Hot  []StepLatency `json:"hot"`
	Cold []StepLatency `json:"cold"`
}

// StepLatency is one step's latency on a subset of clients.
type StepLatency struct {
	Step    string  `json:"step"`
	Latency Latency `json:"latency"`
	// Histogram is the distribution, as StepMetrics.Histogram, so the
	// shards of a distributed run merge exactly.
	Histogram string `json:"histogram,omitempty"`
}

// ValidationSettings says how many responses were schema-validated.
type ValidationSettings struct {
	Fraction  float64 `json:"fraction"`
	Validated uint64  `json:"validated"`
}

// Bucket aggregates one second of the run, by the requests' start time.
type Bucket struct {
	Second     int                `json:"second"`
	Requests   map[string]uint64  `json:"requests"`
	Errors     map[string]uint64  `json:"errors"`
	P99Ms      map[string]float64 `json:"p99_ms"`
	Sessions   uint64             `json:"sessions"`
	SessionP99 float64            `json:"session_p99_ms"`
}

// LedgerReport is the verdict of the balance audit (SPEC L1-L3).
type LedgerReport struct {
	// Clients audited (searched before and after the run).
	Clients int `json:"clients"`
	// Touched clients had at least one accepted operation.
	Touched  int     `json:"touched"`
	Spent    float64 `json:"spent"`
	Earned   float64 `json:"earned"`
	Holds    uint64  `json:"holds"`
	Released uint64  `json:"released"`
	// Uncertain counts state-changing requests whose outcome is unknown
	// (timeouts): the audit allows for them and says so.
	Uncertain uint64          `json:"uncertain"`
	Findings  []LedgerFinding `json:"findings"`
	// Skipped is set when the audit could not run, with the reason.
	Skipped string `json:"skipped,omitempty"`
	// Unreleased lists the ids of holds the run made, did not see end,
	// and could not release: they stay active until they expire.
	Unreleased []string `json:"unreleased_holds,omitempty"`
	// Unanswered lists the holds asked for that got no usable answer, so
	// their id is unknown: the target may have made them, and then they
	// stay until they expire.
	Unanswered []string `json:"unanswered_holds,omitempty"`
}

// UnreleasedNote says which holds were or may have been left active, or
// "" when none was.
func (l LedgerReport) UnreleasedNote() string {
	var parts []string
	if len(l.Unreleased) > 0 {
		parts = append(parts, fmt.Sprintf("HOLDS LEFT ACTIVE: %d holds the run made could not be released and stay until they expire: %s",
			len(l.Unreleased), strings.Join(l.Unreleased, ", ")))
	}
	if len(l.Unanswered) > 0 {
		parts = append(parts, fmt.Sprintf("HOLDS MAYBE ACTIVE: holds asked for without a usable answer (id unknown, so not released; if the target made them they stay until they expire): %s",
			strings.Join(l.Unanswered, "; ")))
	}
	return strings.Join(parts, "; ")
}

// Passed reports whether the audit ran and found nothing.
func (l LedgerReport) Passed() bool { return l.Skipped == "" && len(l.Findings) == 0 }

// Failed reports whether the audit did not run or found a broken invariant
// that no unanswered request explains (a finding of status fail): then no
// capacity figure holds and the run fails.
func (l LedgerReport) Failed() bool {
	if l.Skipped != "" {
		return true
	}
	for _, f := range l.Findings {
		if f.Status == "fail" {
			return true
		}
	}
	return false
}

// LedgerFinding is one broken ledger invariant on one client.
type LedgerFinding struct {
	Rule     string   `json:"rule"`
	Status   string   `json:"status"` // "fail", or "warn" when uncertain requests could explain it
	Client   string   `json:"client"`
	Message  string   `json:"message"`
	Initial  float64  `json:"initial"`
	Expected float64  `json:"expected"`
	Final    float64  `json:"final"`
	Ops      []string `json:"operations,omitempty"`
}

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
	if name == "session" {
		return s.Session, true
	}
	for _, m := range s.Steps {
		if m.Name == name {
			return m, true
		}
	}
	return StepMetrics{}, false
}

// totalName names the metrics of all steps together.
const totalName = "all"

// Totals returns the figures over every request of every step, sessions
// excluded. A summary without Total (recorded by an older loyalcheck, or
// built by hand) gets them summed from its steps; its rates then span the
// run as RequestRate does, and it has no latency over all steps.
func (s *Summary) Totals() StepMetrics {
	if s.Total != nil {
		return *s.Total
	}
	t := StepMetrics{Name: totalName, StatusCodes: map[string]int{}, Errors: []ErrorCount{}}
	for _, m := range s.Steps {
		t.addCounts(m)
	}
	if t.Requests > 0 {
		t.Success = float64(t.OK+t.Refused) / float64(t.Requests)
		t.Rate = s.RequestRate
		t.Throughput = s.RequestRate * t.Success
	}
	return t
}

// addCounts adds p's request counts, bytes and status codes to m: what a
// total over steps and a merge over shards both sum the same way.
func (m *StepMetrics) addCounts(p StepMetrics) {
	m.Requests += p.Requests
	m.OK += p.OK
	m.Refused += p.Refused
	m.Unexpected += p.Unexpected
	m.Violations += p.Violations
	m.BytesIn += p.BytesIn
	m.BytesOut += p.BytesOut
	for k, v := range p.StatusCodes {
		m.StatusCodes[k] += v
	}
}
