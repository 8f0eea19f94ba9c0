package load

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// MergeSummaries joins the summaries of the shards of one distributed
// run, which ran side by side over the same stretch of time: counts and
// bytes add, rates add, and every latency distribution is the exact merge
// of the shards' HDR histograms, so its quantiles are those of one
// histogram of every sample. Only the timeline's per-second p99s are not
// exact (a bucket keeps no histogram): each is the highest of the shards',
// an upper bound of the true one. The ledger is left for AuditJournals.
func MergeSummaries(parts ...*Summary) (*Summary, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("merge: no summary")
	}
	first := parts[0]
	m := &Summary{
		Scenario:   first.Scenario,
		Pacer:      first.Pacer,
		Seed:       first.Seed,
		Started:    first.Started,
		Ended:      first.Ended,
		Validation: ValidationSettings{Fraction: first.Validation.Fraction},
		Violations: []ViolationCount{},
		Ledger:     LedgerReport{Skipped: "not audited yet", Findings: []LedgerFinding{}},
	}
	steps := map[string][]StepMetrics{}
	var sessions, totals []StepMetrics
	var stepOrderSeen []string
	viol := map[[2]string]*ViolationCount{}
	var violOrder [][2]string
	timeline := map[int]*Bucket{}
	var contention []*Contention
	for i, p := range parts {
		if p.Scenario != first.Scenario {
			return nil, fmt.Errorf("merge: summary %d ran scenario %s, summary 1 %s", i+1, p.Scenario, first.Scenario)
		}
		if p.Started.Before(m.Started) {
			m.Started = p.Started
		}
		if p.Ended.After(m.Ended) {
			m.Ended = p.Ended
		}
		m.Duration = max(m.Duration, p.Duration)
		m.Interrupted = m.Interrupted || p.Interrupted
		m.AskedRate += p.AskedRate
		m.AchievedRate += p.AchievedRate
		m.RequestRate += p.RequestRate
		s := &m.Sessions
		s.Scheduled += p.Sessions.Scheduled
		s.Started += p.Sessions.Started
		s.Dropped += p.Sessions.Dropped
		s.Completed += p.Sessions.Completed
		s.Failed += p.Sessions.Failed
		s.Aborted += p.Sessions.Aborted
		// Each shard had its own cap and peak: together, at most their sum.
		s.MaxInFlight += p.Sessions.MaxInFlight
		s.PeakFlight += p.Sessions.PeakFlight
		m.Validation.Validated += p.Validation.Validated
		for _, st := range p.Steps {
			if _, ok := steps[st.Name]; !ok {
				stepOrderSeen = append(stepOrderSeen, st.Name)
			}
			steps[st.Name] = append(steps[st.Name], st)
		}
		sessions = append(sessions, p.Session)
		totals = append(totals, p.Totals())
		for _, v := range p.Violations {
			k := [2]string{v.Step, v.Rule}
			if mv, ok := viol[k]; ok {
				mv.Count += v.Count
				continue
			}
			c := v
			viol[k] = &c
			violOrder = append(violOrder, k)
		}
		for _, b := range p.Timeline {
			mergeBucket(timeline, b)
		}
		if p.Contention != nil {
			contention = append(contention, p.Contention)
		}
	}
	m.Elapsed = m.Ended.Sub(m.Started)
	var all []StepMetrics
	for _, name := range stepOrderSeen {
		st, err := mergeStep(name, steps[name])
		if err != nil {
			return nil, err
		}
		m.Steps = append(m.Steps, st)
		all = append(all, steps[name]...)
	}
	sort.SliceStable(m.Steps, func(i, j int) bool { return stepOrder(m.Steps[i].Name) < stepOrder(m.Steps[j].Name) })
	var err error
	if m.Session, err = mergeStep(sessionAttack, sessions); err != nil {
		return nil, err
	}
	// Total carries no histogram: its latency is every step's together.
	total := mergeCounts(totalName, totals)
	if total.Latency, _, err = mergeLatency(totalName, all); err != nil {
		return nil, err
	}
	m.Total = &total
	for _, k := range violOrder {
		m.Violations = append(m.Violations, *viol[k])
	}
	secs := make([]int, 0, len(timeline))
	for k := range timeline {
		secs = append(secs, k)
	}
	sort.Ints(secs)
	m.Timeline = make([]Bucket, 0, len(secs))
	for _, k := range secs {
		m.Timeline = append(m.Timeline, *timeline[k])
	}
	if len(contention) > 0 {
		if m.Contention, err = mergeContention(contention); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// mergeStep adds up one step's metrics from every shard.
func mergeStep(name string, parts []StepMetrics) (StepMetrics, error) {
	m := mergeCounts(name, parts)
	var err error
	m.Latency, m.Histogram, err = mergeLatency(name, parts)
	return m, err
}

// mergeCounts adds up the counts, bytes and rates of parts.
func mergeCounts(name string, parts []StepMetrics) StepMetrics {
	m := StepMetrics{Name: name, StatusCodes: map[string]int{}, Errors: []ErrorCount{}}
	errs := map[string]uint64{}
	var errOrder []string
	for _, p := range parts {
		m.AddCounts(p)
		m.Rate += p.Rate
		m.Throughput += p.Throughput
		for _, e := range p.Errors {
			if _, ok := errs[e.Error]; !ok {
				errOrder = append(errOrder, e.Error)
			}
			errs[e.Error] += e.Count
		}
	}
	for _, e := range errOrder {
		m.Errors = append(m.Errors, ErrorCount{Error: e, Count: errs[e]})
	}
	sort.SliceStable(m.Errors, func(i, j int) bool { return m.Errors[i].Count > m.Errors[j].Count })
	if m.Requests > 0 {
		m.Success = float64(m.OK+m.Refused) / float64(m.Requests)
	}
	return m
}

// mergeLatency merges the distributions of parts exactly. A part that
// measured something but carries no histogram cannot be merged: its
// quantiles are not the merge's, and the merge fails rather than guess.
func mergeLatency(name string, parts []StepMetrics) (Latency, string, error) {
	lats := make([]Latency, len(parts))
	hists := make([]string, len(parts))
	for i, p := range parts {
		lats[i], hists[i] = p.Latency, p.Histogram
	}
	return mergeDistributions(name, lats, hists)
}

func mergeDistributions(name string, lats []Latency, hists []string) (Latency, string, error) {
	h := newHistogram()
	for i, l := range lats {
		if l.Count == 0 {
			continue
		}
		part, err := DecodeHistogram(hists[i])
		if err != nil {
			return Latency{}, "", fmt.Errorf("merge %s: %w", name, err)
		}
		if part.TotalCount() != l.Count {
			return Latency{}, "", fmt.Errorf("merge %s: histogram of %d latencies for a count of %d", name, part.TotalCount(), l.Count)
		}
		h.h.Merge(part)
		if h.count == 0 || l.Min < h.min {
			h.min = l.Min
		}
		h.max = max(h.max, l.Max)
		h.count += l.Count
		h.sum += l.Mean * time.Duration(l.Count)
	}
	return h.summary(), h.encode(), nil
}

func mergeBucket(into map[int]*Bucket, b Bucket) {
	m, ok := into[b.Second]
	if !ok {
		m = &Bucket{Second: b.Second, Requests: map[string]uint64{}, Errors: map[string]uint64{}, P99Ms: map[string]float64{}}
		into[b.Second] = m
	}
	for k, v := range b.Requests {
		m.Requests[k] += v
	}
	for k, v := range b.Errors {
		m.Errors[k] += v
	}
	for k, v := range b.P99Ms {
		m.P99Ms[k] = max(m.P99Ms[k], v)
	}
	m.Sessions += b.Sessions
	m.SessionP99 = max(m.SessionP99, b.SessionP99)
}

func mergeContention(parts []*Contention) (*Contention, error) {
	m := &Contention{HotClients: parts[0].HotClients}
	type acc struct {
		lats  []Latency
		hists []string
	}
	var order []string
	hots, colds := map[string]*acc{}, map[string]*acc{}
	add := func(to map[string]*acc, sl StepLatency) {
		a, ok := to[sl.Step]
		if !ok {
			a = &acc{}
			to[sl.Step] = a
		}
		a.lats = append(a.lats, sl.Latency)
		a.hists = append(a.hists, sl.Histogram)
	}
	for _, p := range parts {
		m.HoldsAccepted += p.HoldsAccepted
		m.HoldsRefused += p.HoldsRefused
		m.SpendsAccepted += p.SpendsAccepted
		m.SpendsRefused += p.SpendsRefused
		for _, sl := range p.Hot {
			if _, ok := hots[sl.Step]; !ok && !slices.Contains(order, sl.Step) {
				order = append(order, sl.Step)
			}
			add(hots, sl)
		}
		for _, sl := range p.Cold {
			add(colds, sl)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return stepOrder(order[i]) < stepOrder(order[j]) })
	for _, step := range order {
		for _, side := range []struct {
			from map[string]*acc
			to   *[]StepLatency
		}{{hots, &m.Hot}, {colds, &m.Cold}} {
			a := side.from[step]
			if a == nil {
				continue
			}
			l, h, err := mergeDistributions(step, a.lats, a.hists)
			if err != nil {
				return nil, fmt.Errorf("contention: %w", err)
			}
			*side.to = append(*side.to, StepLatency{Step: step, Latency: l, Histogram: h})
		}
	}
	return m, nil
}
