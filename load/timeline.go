package load

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// timeline aggregates results per second of the run, with coarse
// histograms (2 significant digits) for each second's p99. A second's
// histograms are only needed until its last result is in, and each holds
// about 17 KB: kept for a whole run they grew by some 90 KB a second for
// a checkout scenario, 300 MB an hour. So a second is closed once the
// run is a horizon past it (well past any answer's timeout): its p99s are
// taken, and its histograms go back to a free list for the seconds to
// come. A result later than that still counts in its second's requests,
// errors and sessions, and in every percentile of the run; only that
// second's p99 no longer sees it.
type timeline struct {
	horizon int // seconds
	buckets map[int]*bucketAgg
	newest  int // the latest second a result fell in
	closed  int // seconds before this one are closed
	free    []*hdrhistogram.Histogram
}

func newTimeline(horizon time.Duration) *timeline {
	return &timeline{horizon: max(int(horizon/time.Second), 1), buckets: map[int]*bucketAgg{}}
}

// bucketAgg is one second of the timeline.
type bucketAgg struct {
	requests map[string]uint64
	errors   map[string]uint64
	hists    map[string]*hdrhistogram.Histogram
	sessions uint64
	sessHist *hdrhistogram.Histogram
	done     *Bucket // set when the second is closed
}

func (t *timeline) hist() *hdrhistogram.Histogram {
	if n := len(t.free); n > 0 {
		h := t.free[n-1]
		t.free = t.free[:n-1]
		return h
	}
	return hdrhistogram.New(int64(10*time.Microsecond), int64(time.Minute), 2)
}

// add counts r in second sec, then closes the seconds the run has left a
// horizon behind.
func (t *timeline) add(sec int, r *record) {
	b, ok := t.buckets[sec]
	if !ok {
		b = &bucketAgg{requests: map[string]uint64{}, errors: map[string]uint64{}, hists: map[string]*hdrhistogram.Histogram{}}
		t.buckets[sec] = b
	}
	t.record(b, r)
	if sec > t.newest {
		t.newest = sec
		for ; t.closed < sec-t.horizon; t.closed++ {
			if b, ok := t.buckets[t.closed]; ok && b.done == nil {
				t.close(t.closed, b)
			}
		}
	}
}

func (t *timeline) record(b *bucketAgg, r *record) {
	v := max(int64(10*time.Microsecond), min(int64(r.res.Latency), int64(time.Minute)))
	if r.res.Attack == sessionAttack {
		b.sessions++
		switch {
		case b.done != nil:
			b.done.Sessions = b.sessions
		default:
			if b.sessHist == nil {
				b.sessHist = t.hist()
			}
			_ = b.sessHist.RecordValue(v)
		}
		return
	}
	// The maps are the closed Bucket's too: a late result still counts.
	b.requests[r.res.Attack]++
	if r.outcome == outcomeUnexpected {
		b.errors[r.res.Attack]++
	}
	if b.done != nil {
		return
	}
	h, ok := b.hists[r.res.Attack]
	if !ok {
		h = t.hist()
		b.hists[r.res.Attack] = h
	}
	_ = h.RecordValue(v)
}

// close takes second sec's p99s and frees its histograms.
func (t *timeline) close(sec int, b *bucketAgg) {
	done := b.bucket(sec)
	b.done = &done
	for _, h := range b.hists {
		h.Reset()
		t.free = append(t.free, h)
	}
	if b.sessHist != nil {
		b.sessHist.Reset()
		t.free = append(t.free, b.sessHist)
	}
	b.hists, b.sessHist = nil, nil
}

// bucket is second sec as the summary holds it.
func (b *bucketAgg) bucket(sec int) Bucket {
	if b.done != nil {
		return *b.done
	}
	out := Bucket{Second: sec, Requests: b.requests, Errors: b.errors, P99Ms: map[string]float64{}, Sessions: b.sessions}
	for k, h := range b.hists {
		out.P99Ms[k] = ms(time.Duration(h.ValueAtPercentile(99)))
	}
	if b.sessHist != nil && b.sessions > 0 {
		out.SessionP99 = ms(time.Duration(b.sessHist.ValueAtPercentile(99)))
	}
	return out
}
