package compare

import (
	"fmt"

	"loyalcheck/load"
	"loyalcheck/reports/record"
)

// FromLoad reads the load section of a run record as one side of a
// comparison: a series per step and one for sessions, histograms decoded.
// A series recorded without its histogram (a record older than histograms)
// keeps its counts and has no latency to judge. The caller adds what the
// section does not hold: the target and the contract rules.
func FromLoad(s *record.Load) (*Run, error) {
	r := &Run{Scenario: s.Scenario, Rate: s.AskedRate, Duration: s.Duration}
	for _, m := range append(append([]record.StepMetrics{}, s.Steps...), s.Session) {
		if m.Name == "" && m.Requests == 0 {
			continue // a summary without sessions
		}
		se := Series{Name: m.Name, Max: m.Latency.Max, Requests: m.Requests, Errors: m.Unexpected}
		if m.Histogram != "" {
			h, err := load.DecodeHistogram(m.Histogram)
			if err != nil {
				return nil, fmt.Errorf("series %s: %w", m.Name, err)
			}
			se.Hist = h
		}
		r.Series = append(r.Series, se)
	}
	return r, nil
}
