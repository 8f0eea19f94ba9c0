package record

import (
	"maps"
	"time"
)

// The load section of a record: what a load run measured, per step, for
// whole sessions and over every request (Total, always present), and the
// ledger audit with its verdict. Package load measures into these types
// (its summary is made of them, so summary.json and run.json write a
// measurement the same way) and load.Summary.Record makes the section,
// judging the ledger once.

// SessionStep is the step name that stands for whole sessions, in
// thresholds and in a summary's series.
const SessionStep = "session"

// TotalStep names the metrics of all steps together.
const TotalStep = "all"

// LoadOf is what a load run measured. One definition serves the load
// engine's summary and the record's load section, so that summary.json
// and run.json write a run alike; they differ in two things only, the
// type parameters. L is the ledger: the audit as measured in a summary
// (LedgerAudit), the audit with its verdict in a record (Ledger). T is the
// total over every request: a summary's may be absent (*StepMetrics, nil
// in a summary an older loyalcheck wrote; load.Summary.Totals sums it
// then), a record's is always there (StepMetrics).
type LoadOf[L, T any] struct {
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
	// Total is every request of every step together, sessions excluded:
	// what `vegeta report results.bin` measures.
	Total T `json:"total,omitempty"`
	// Session is the whole-session metric: latency from the scheduled start
	// to the end of the last step, less the scenario's think times. Counting
	// from the scheduled start keeps any queueing before the session in it
	// (no coordinated omission); the think times are the scenario's pauses,
	// not the target's.
	Session    StepMetrics      `json:"session"`
	Violations []ViolationCount `json:"violations"`
	Ledger     L                `json:"ledger"`
	Contention *Contention      `json:"contention,omitempty"`
	Validation Validation       `json:"validation"`
	// Timeline holds per-second buckets for plots of throughput and errors.
	Timeline []Bucket `json:"timeline"`
}

// Load is a load run as a record holds it: the ledger judged, the total
// always present ("omitempty" never drops a struct).
type Load LoadOf[Ledger, StepMetrics]

// Step returns the metrics of the named step ("session" for sessions).
func (s *Load) Step(name string) (StepMetrics, bool) {
	return StepOf(s.Steps, s.Session, name)
}

// Seal completes a load section made from a summary (load.Summary.Record)
// or read from a record of version 1 or 2, as every record writes it: the
// total over every request summed from the steps when the run did not
// store it, the ledger audit judged, lists [] rather than null, and the
// contention's histograms left out (no report draws them; shards merge
// from their own summaries).
func (s *Load) Seal() {
	if s.Total.Name == "" {
		s.Total = SumSteps(s.Steps, s.RequestRate)
	}
	s.Ledger = LedgerOf(s.Ledger.LedgerAudit)
	s.Steps = append([]StepMetrics{}, s.Steps...)
	for i := range s.Steps {
		s.Steps[i] = s.Steps[i].sealed()
	}
	s.Total, s.Session = s.Total.sealed(), s.Session.sealed()
	s.Violations = append([]ViolationCount{}, s.Violations...)
	s.Timeline = append([]Bucket{}, s.Timeline...)
	if c := s.Contention; c != nil {
		ct := *c
		ct.Hot, ct.Cold = withoutHistograms(c.Hot), withoutHistograms(c.Cold)
		s.Contention = &ct
	}
}

// sealed is m with its own status codes and its lists [] rather than
// null.
func (m StepMetrics) sealed() StepMetrics {
	m.StatusCodes = maps.Clone(m.StatusCodes)
	if m.StatusCodes == nil {
		m.StatusCodes = map[string]int{}
	}
	m.Errors = append([]ErrorCount{}, m.Errors...)
	return m
}

func withoutHistograms(ls []StepLatency) []StepLatency {
	out := make([]StepLatency, 0, len(ls))
	for _, l := range ls {
		l.Histogram = ""
		out = append(out, l)
	}
	return out
}

// StepOf returns the metrics of the named step among steps, or session
// for "session": how a load section and a summary find a step.
func StepOf(steps []StepMetrics, session StepMetrics, name string) (StepMetrics, bool) {
	if name == SessionStep {
		return session, true
	}
	for _, m := range steps {
		if m.Name == name {
			return m, true
		}
	}
	return StepMetrics{}, false
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

// StepMetrics measures one step, whole sessions or every request.
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
	// sessions (not of a total, which the steps' merge gives), in
	// HdrHistogram's compressed base64 encoding (load.DecodeHistogram
	// reads it). Empty when nothing was measured or the run was recorded
	// before it existed.
	Histogram string `json:"histogram,omitempty"`
}

// ErrorFraction is the share of unexpected outcomes.
func (m StepMetrics) ErrorFraction() float64 {
	if m.Requests == 0 {
		return 0
	}
	return float64(m.Unexpected) / float64(m.Requests)
}

// AddCounts adds p's request counts, bytes and status codes to m: what a
// total over steps and a merge over shards both sum the same way. m's
// StatusCodes must not be nil.
func (m *StepMetrics) AddCounts(p StepMetrics) {
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

// SumSteps returns the figures over every request of steps for a run
// that did not store them (recorded before they were): counts summed,
// rates spanning the run as requestRate does, and no latency.
func SumSteps(steps []StepMetrics, requestRate float64) StepMetrics {
	t := StepMetrics{Name: TotalStep, StatusCodes: map[string]int{}, Errors: []ErrorCount{}}
	for _, m := range steps {
		t.AddCounts(m)
	}
	if t.Requests > 0 {
		t.Success = float64(t.OK+t.Refused) / float64(t.Requests)
		t.Rate = requestRate
		t.Throughput = requestRate * t.Success
	}
	return t
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
	// Histogram is the distribution, as StepMetrics.Histogram, so that the
	// shards of a distributed run merge exactly. A run record leaves it
	// out (no report draws it).
	Histogram string `json:"histogram,omitempty"`
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

// Threshold is one SLO as written and parsed (load.ParseThreshold gives
// the grammar).
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
