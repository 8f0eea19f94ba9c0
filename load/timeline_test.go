package load

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestTimelineClosesOldSeconds: over a long run the timeline holds
// histograms for the last horizon of seconds only, whatever the run's
// length; a closed second keeps its p99s, and a result that comes in after
// its second closed still counts in its requests and errors.
func TestTimelineClosesOldSeconds(t *testing.T) {
	const horizon, seconds = 5, 600
	tl := newTimeline(horizon * time.Second)
	step := func(lat time.Duration, bad bool) *record {
		r := &record{res: vegeta.Result{Attack: "search", Latency: lat}}
		if bad {
			r.outcome = outcomeUnexpected
		}
		return r
	}
	session := &record{res: vegeta.Result{Attack: sessionAttack, Latency: 3 * time.Millisecond}}
	for sec := range seconds {
		for i := range 100 {
			// 99 fast answers and one slow one each second.
			lat := time.Millisecond
			if i == 99 {
				lat = time.Duration(sec+1) * 10 * time.Millisecond
			}
			tl.add(sec, step(lat, false))
			tl.add(sec, session)
		}
		live := 0
		for _, b := range tl.buckets {
			if b.done == nil {
				live++
			}
		}
		// The second just added, the horizon behind it, and no more.
		assert.LessOrEqual(t, live, horizon+1, "second %d", sec)
		// Two histograms a second (the step's, the sessions'), reused.
		assert.LessOrEqual(t, len(tl.free)+2*live, 2*(horizon+2), "second %d", sec)
	}
	b := tl.buckets[10].bucket(10)
	assert.InDelta(t, 1.0, b.P99Ms["search"], 0.02, "p99 of second 10 (99 answers of 1 ms, one slower)")
	assert.InDelta(t, 3.0, b.SessionP99, 0.05)
	assert.Equal(t, uint64(100), b.Requests["search"])

	// A late answer for a closed second: counted, not in its p99.
	tl.add(10, step(time.Minute, true))
	tl.add(10, session)
	b = tl.buckets[10].bucket(10)
	assert.Equal(t, uint64(101), b.Requests["search"])
	assert.Equal(t, uint64(1), b.Errors["search"])
	assert.Equal(t, uint64(101), b.Sessions)
	assert.InDelta(t, 1.0, b.P99Ms["search"], 0.02)
}
