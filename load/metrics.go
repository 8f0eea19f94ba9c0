package load

import (
	"sort"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// outcome classifies a step's answer.
type outcome uint8

const (
	outcomeOK         outcome = iota // 200 with a valid body
	outcomeRefused                   // a 422 the scenario provoked or contention explains
	outcomeUnexpected                // anything else
)

// violation is a contract rule broken by one response.
type violation struct {
	Rule   string
	Detail string
}

// record is what a step (or a session) reports to the collector.
type record struct {
	res        vegeta.Result
	outcome    outcome
	violations []violation
	hot        bool
	validated  bool
	aborted    bool
	// spend marks a retail that tried to spend points (contention figures).
	spend bool
}

// maxDistinctErrors bounds the error table: a target that puts request
// data into its error messages must not grow the summary without limit.
const maxDistinctErrors = 50

type stepAgg struct {
	name       string
	vm         vegeta.Metrics
	hist       *histogram
	hot, cold  *histogram
	ok         uint64
	refused    uint64
	unexpected uint64
	violations uint64
	errors     map[string]uint64
	errorOrder []string
}

func newStepAgg(name string) *stepAgg {
	return &stepAgg{name: name, hist: newHistogram(), hot: newHistogram(), cold: newHistogram(), errors: map[string]uint64{}}
}

func (a *stepAgg) add(r *record) {
	a.vm.Add(&r.res)
	a.hist.record(r.res.Latency)
	if r.hot {
		a.hot.record(r.res.Latency)
	} else {
		a.cold.record(r.res.Latency)
	}
	switch r.outcome {
	case outcomeOK:
		a.ok++
	case outcomeRefused:
		a.refused++
	default:
		a.unexpected++
		key := r.res.Error
		if _, seen := a.errors[key]; !seen && len(a.errors) >= maxDistinctErrors {
			key = "other errors"
		}
		if _, seen := a.errors[key]; !seen {
			a.errorOrder = append(a.errorOrder, key)
		}
		a.errors[key]++
	}
	a.violations += uint64(len(r.violations))
}

func (a *stepAgg) metrics() StepMetrics {
	a.vm.Close()
	m := StepMetrics{
		Name:        a.name,
		Requests:    a.vm.Requests,
		Rate:        a.vm.Rate,
		OK:          a.ok,
		Refused:     a.refused,
		Unexpected:  a.unexpected,
		Violations:  a.violations,
		StatusCodes: a.vm.StatusCodes,
		Latency:     a.hist.summary(),
		BytesIn:     a.vm.BytesIn.Total,
		BytesOut:    a.vm.BytesOut.Total,
		Errors:      []ErrorCount{},
	}
	if m.StatusCodes == nil {
		m.StatusCodes = map[string]int{}
	}
	if m.Requests > 0 {
		good := float64(a.ok + a.refused)
		m.Success = good / float64(m.Requests)
		if secs := (a.vm.Duration + a.vm.Wait).Seconds(); secs > 0 {
			m.Throughput = good / secs
		}
	}
	for _, e := range a.errorOrder {
		m.Errors = append(m.Errors, ErrorCount{Error: e, Count: a.errors[e]})
	}
	sort.SliceStable(m.Errors, func(i, j int) bool { return m.Errors[i].Count > m.Errors[j].Count })
	return m
}
