package record

import (
	"maps"
	"time"

	"loyalcheck/load"
)

// The load section of a record: what a load run measured, per step, for
// whole sessions and over every request (Total, always present), and the
// ledger audit with its verdict, computed once by FromLoad.

// Load is a load run.
type Load struct {
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
	// AskedRate and AchievedRate are session starts per second,
	// RequestRate requests per second over all steps.
	AskedRate    float64  `json:"asked_rate"`
	AchievedRate float64  `json:"achieved_rate"`
	RequestRate  float64  `json:"request_rate"`
	Sessions     Sessions `json:"sessions"`
	// Steps holds one entry per step name in flow order.
	Steps []StepMetrics `json:"steps"`
	// Total is every request of every step together, sessions excluded.
	Total StepMetrics `json:"total"`
	// Session is the whole-session metric (scheduled start to the end of
	// the last step, less think times).
	Session    StepMetrics      `json:"session"`
	Violations []ViolationCount `json:"violations"`
	Ledger     Ledger           `json:"ledger"`
	Contention *Contention      `json:"contention,omitempty"`
	Validation Validation       `json:"validation"`
	// Timeline holds per-second buckets for plots of throughput and errors.
	Timeline []Bucket `json:"timeline"`
}

// Step returns the metrics of the named step ("session" for sessions).
func (s *Load) Step(name string) (StepMetrics, bool) {
	if name == load.SessionStep {
		return s.Session, true
	}
	for _, m := range s.Steps {
		if m.Name == name {
			return m, true
		}
	}
	return StepMetrics{}, false
}

// Sessions counts sessions by fate (Started + Dropped = Scheduled).
type Sessions struct {
	Scheduled   uint64 `json:"scheduled"`
	Started     uint64 `json:"started"`
	Dropped     uint64 `json:"dropped"`
	Completed   uint64 `json:"completed"`
	Failed      uint64 `json:"failed"`
	Aborted     uint64 `json:"aborted"`
	MaxInFlight int    `json:"max_in_flight"`
	PeakFlight  int64  `json:"peak_in_flight"`
}

// StepMetrics measures one step, whole sessions or every request.
type StepMetrics struct {
	Name     string `json:"name"`
	Requests uint64 `json:"requests"`
	// Rate is requests per second; Throughput correct outcomes per second.
	Rate       float64 `json:"rate"`
	Throughput float64 `json:"throughput"`
	// Success is the share of correct outcomes (a 200 with a valid body,
	// or a refusal the scenario provoked on purpose).
	Success     float64        `json:"success"`
	OK          uint64         `json:"ok"`
	Refused     uint64         `json:"refused"`
	Unexpected  uint64         `json:"unexpected"`
	Violations  uint64         `json:"violations"`
	StatusCodes map[string]int `json:"status_codes"`
	Errors      []ErrorCount   `json:"errors"`
	Latency     Latency        `json:"latency"`
	BytesIn     uint64         `json:"bytes_in"`
	BytesOut    uint64         `json:"bytes_out"`
	// Histogram is the whole latency distribution of a step or of sessions
	// in HdrHistogram's compressed base64 encoding (load.DecodeHistogram);
	// empty when not recorded.
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
}

// Validation says how many responses were schema-validated.
type Validation struct {
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

// Ledger is the balance audit (SPEC L1-L3) and its verdict.
type Ledger struct {
	Clients   int     `json:"clients"`
	Touched   int     `json:"touched"`
	Spent     float64 `json:"spent"`
	Earned    float64 `json:"earned"`
	Holds     uint64  `json:"holds"`
	Released  uint64  `json:"released"`
	Uncertain uint64  `json:"uncertain"`
	// Findings are the broken invariants, each of status fail or warn.
	Findings []LedgerFinding `json:"findings"`
	// Skipped is set when the audit could not run, with the reason.
	Skipped string `json:"skipped,omitempty"`
	// Unreleased lists the ids of holds the run could not release.
	Unreleased []string `json:"unreleased_holds,omitempty"`
	// Unanswered lists the holds asked for without a usable answer: the
	// target may have made them, and then they stay until they expire.
	Unanswered []string `json:"unanswered_holds,omitempty"`
	// Failed is the audit's verdict: it did not run, or found a broken
	// invariant no unanswered request explains.
	Failed bool `json:"failed"`
	// UnreleasedNote says which holds were or may have been left active
	// ("" when none was).
	UnreleasedNote string `json:"unreleased_note,omitempty"`
}

// Passed reports whether the audit ran and found nothing.
func (l Ledger) Passed() bool { return l.Skipped == "" && len(l.Findings) == 0 }

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

// Threshold is an SLO as written and parsed.
type Threshold struct {
	Expr   string  `json:"expr"`
	Metric string  `json:"metric"`
	Step   string  `json:"step,omitempty"`
	Op     string  `json:"op"`
	Limit  float64 `json:"limit"`
	Unit   string  `json:"unit,omitempty"`
}

// ThresholdResult is a threshold with what was measured.
type ThresholdResult struct {
	Threshold
	Measured     float64 `json:"measured"`
	MeasuredText string  `json:"measured_text"`
	Pass         bool    `json:"pass"`
	Note         string  `json:"note,omitempty"`
}

// FormatRate writes a rate as every report and the engines' notes do.
func FormatRate(r float64) string { return load.FormatRate(r) }

// FromLoad converts a load run; nil stays nil.
func FromLoad(s *load.Summary) *Load {
	if s == nil {
		return nil
	}
	out := &Load{
		Scenario: s.Scenario, Pacer: s.Pacer, Seed: s.Seed, Started: s.Started, Ended: s.Ended,
		Duration: s.Duration, Elapsed: s.Elapsed, Interrupted: s.Interrupted,
		AskedRate: s.AskedRate, AchievedRate: s.AchievedRate, RequestRate: s.RequestRate,
		Sessions:   Sessions(s.Sessions),
		Steps:      make([]StepMetrics, 0, len(s.Steps)),
		Total:      stepMetricsOf(s.Totals()),
		Session:    stepMetricsOf(s.Session),
		Violations: violationsOf(s.Violations),
		Ledger:     ledgerOf(s.Ledger),
		Validation: Validation(s.Validation),
		Timeline:   make([]Bucket, 0, len(s.Timeline)),
	}
	for _, m := range s.Steps {
		out.Steps = append(out.Steps, stepMetricsOf(m))
	}
	if c := s.Contention; c != nil {
		out.Contention = &Contention{HotClients: c.HotClients, HoldsAccepted: c.HoldsAccepted, HoldsRefused: c.HoldsRefused,
			SpendsAccepted: c.SpendsAccepted, SpendsRefused: c.SpendsRefused, Hot: stepLatenciesOf(c.Hot), Cold: stepLatenciesOf(c.Cold)}
	}
	for _, b := range s.Timeline {
		out.Timeline = append(out.Timeline, Bucket(b))
	}
	return out
}

func stepMetricsOf(m load.StepMetrics) StepMetrics {
	out := StepMetrics{Name: m.Name, Requests: m.Requests, Rate: m.Rate, Throughput: m.Throughput, Success: m.Success,
		OK: m.OK, Refused: m.Refused, Unexpected: m.Unexpected, Violations: m.Violations,
		StatusCodes: maps.Clone(m.StatusCodes), Errors: errorsOf(m.Errors), Latency: Latency(m.Latency),
		BytesIn: m.BytesIn, BytesOut: m.BytesOut, Histogram: m.Histogram}
	if out.StatusCodes == nil {
		out.StatusCodes = map[string]int{}
	}
	return out
}

func errorsOf(es []load.ErrorCount) []ErrorCount {
	out := make([]ErrorCount, 0, len(es))
	for _, e := range es {
		out = append(out, ErrorCount(e))
	}
	return out
}

func violationsOf(vs []load.ViolationCount) []ViolationCount {
	out := make([]ViolationCount, 0, len(vs))
	for _, v := range vs {
		out = append(out, ViolationCount(v))
	}
	return out
}

func stepLatenciesOf(ls []load.StepLatency) []StepLatency {
	out := make([]StepLatency, 0, len(ls))
	for _, l := range ls {
		out = append(out, StepLatency{Step: l.Step, Latency: Latency(l.Latency)})
	}
	return out
}

func ledgerOf(l load.LedgerReport) Ledger {
	out := Ledger{Clients: l.Clients, Touched: l.Touched, Spent: l.Spent, Earned: l.Earned, Holds: l.Holds, Released: l.Released,
		Uncertain: l.Uncertain, Findings: make([]LedgerFinding, 0, len(l.Findings)), Skipped: l.Skipped, Unreleased: l.Unreleased, Unanswered: l.Unanswered,
		Failed: l.Failed(), UnreleasedNote: l.UnreleasedNote()}
	for _, f := range l.Findings {
		out.Findings = append(out.Findings, LedgerFinding(f))
	}
	return out
}

// FromThresholds converts thresholds as judged; never nil.
func FromThresholds(ts []load.ThresholdResult) []ThresholdResult {
	out := make([]ThresholdResult, 0, len(ts))
	for _, t := range ts {
		out = append(out, ThresholdResult{Threshold: Threshold(t.Threshold), Measured: t.Measured, MeasuredText: t.MeasuredText, Pass: t.Pass, Note: t.Note})
	}
	return out
}
