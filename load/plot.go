package load

import (
	"fmt"
	"io"
	"sort"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/tsenart/vegeta/v12/lib/plot"
)

// plotBuckets is how many time buckets a series of the plot keeps; with a
// bucket's fastest and slowest result that is the 4,000 points per series
// vegeta's plot draws.
const plotBuckets = 2000

// WritePlot writes vegeta's interactive latency plot of results files
// (a run's requests and its sessions), one series per step and per
// outcome (vegeta's OK and ERROR labels). vegeta's plot holds every point
// it is given until it draws 4,000 of each series, so a run of a million
// requests took more memory to plot than to run. The results are thinned
// as they are read instead: per series and time bucket, the fastest and
// the slowest result, the buckets widening as the run turns out longer,
// so memory stays bounded whatever the run's length and every spike and
// dip of latency is still drawn.
func WritePlot(w io.Writer, title string, resultsPaths ...string) error {
	th := newThinner(plotBuckets)
	for _, path := range resultsPaths {
		if err := ReadResults(path, func(r *vegeta.Result) error { th.add(r); return nil }); err != nil {
			return fmt.Errorf("plot: %w", err)
		}
	}
	p := plot.New(plot.Title(title), plot.Downsample(2*plotBuckets))
	for _, r := range th.results() {
		if err := p.Add(r); err != nil {
			return fmt.Errorf("plot: %w", err)
		}
	}
	p.Close()
	if _, err := p.WriteTo(w); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// seriesKey is one line of the plot: vegeta's default labeler splits an
// attack's results by whether they carry an error.
type seriesKey struct {
	attack string
	failed bool
}

// extremes are the fastest and slowest result of a bucket.
type extremes struct{ lo, hi vegeta.Result }

// thinner keeps, per series, the extremes of each time bucket of width
// ns, doubling the width (and merging bucket pairs) when a series would
// hold more than max buckets.
type thinner struct {
	max    int
	width  int64
	series map[seriesKey]map[int64]*extremes
	first  map[string]vegeta.Result // each attack's earliest result
}

func newThinner(max int) *thinner {
	return &thinner{max: max, width: int64(1e6), series: map[seriesKey]map[int64]*extremes{}, first: map[string]vegeta.Result{}}
}

func (t *thinner) add(r *vegeta.Result) {
	r.Body, r.Headers = nil, nil
	if f, ok := t.first[r.Attack]; !ok || r.Timestamp.Before(f.Timestamp) {
		t.first[r.Attack] = *r
	}
	k := seriesKey{r.Attack, r.Error != ""}
	s := t.series[k]
	if s == nil {
		s = map[int64]*extremes{}
		t.series[k] = s
	}
	t.put(s, floorDiv(r.Timestamp.UnixNano(), t.width), &extremes{*r, *r})
	if len(s) > t.max {
		t.widen()
	}
}

// put merges e into bucket b of s.
func (t *thinner) put(s map[int64]*extremes, b int64, e *extremes) {
	cur, ok := s[b]
	if !ok {
		s[b] = e
		return
	}
	if e.lo.Latency < cur.lo.Latency {
		cur.lo = e.lo
	}
	if e.hi.Latency > cur.hi.Latency {
		cur.hi = e.hi
	}
}

// widen doubles the bucket width of every series until each fits.
func (t *thinner) widen() {
	for {
		t.width *= 2
		fits := true
		for k, s := range t.series {
			merged := make(map[int64]*extremes, len(s)/2+1)
			for b, e := range s {
				t.put(merged, floorDiv(b, 2), e)
			}
			t.series[k] = merged
			fits = fits && len(merged) <= t.max
		}
		if fits {
			return
		}
	}
}

// results are the kept results of every attack, numbered again in
// timestamp order: vegeta's plot orders an attack's points by Seq and
// starts its time axis at Seq 0, which is the attack's earliest result.
func (t *thinner) results() []*vegeta.Result {
	type id struct {
		attack string
		seq    uint64
	}
	seen := map[id]bool{}
	var out []*vegeta.Result
	keep := func(r vegeta.Result) {
		if k := (id{r.Attack, r.Seq}); !seen[k] {
			seen[k] = true
			out = append(out, &r)
		}
	}
	for _, f := range t.first {
		keep(f)
	}
	for _, s := range t.series {
		for _, e := range s {
			keep(e.lo)
			keep(e.hi)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Attack != out[j].Attack {
			return out[i].Attack < out[j].Attack
		}
		if !out[i].Timestamp.Equal(out[j].Timestamp) {
			return out[i].Timestamp.Before(out[j].Timestamp)
		}
		return out[i].Seq < out[j].Seq
	})
	next := map[string]uint64{}
	for _, r := range out {
		r.Seq = next[r.Attack]
		next[r.Attack]++
	}
	return out
}

// floorDiv divides rounding toward minus infinity, so that bucket
// numbers halve consistently on either side of zero.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
