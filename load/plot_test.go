package load

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestThinnerBoundsThePlotAndKeepsItsExtremes: however many results a
// run has, the plot keeps at most two per bucket and series; each
// series' spikes and its fastest results survive, and each attack's
// points are numbered again from 0 in timestamp order, as vegeta's plot
// wants them.
func TestThinnerBoundsThePlotAndKeepsItsExtremes(t *testing.T) {
	const buckets = 50
	th := newThinner(buckets)
	began := time.Unix(1_700_000_000, 0)
	const n = 20000
	for i := range n {
		// Out of order, as answers come back.
		j := (i*7919 + 13) % n
		r := vegeta.Result{Attack: "search", Seq: uint64(j), Timestamp: began.Add(time.Duration(j) * time.Millisecond), Latency: time.Millisecond}
		switch j {
		case 12345:
			r.Latency = 5 * time.Second // a spike
		case 777:
			r.Latency = time.Microsecond // the fastest
		case 4242:
			r.Error = "timeout"
		}
		th.add(&r)
	}
	out := th.results()
	assert.LessOrEqual(t, len(out), 2*buckets*2+1, "kept %d of %d", len(out), n)
	var spike, fastest, failed bool
	for i, r := range out {
		require.Equal(t, uint64(i), r.Seq, "renumbered in order")
		if i > 0 {
			require.False(t, r.Timestamp.Before(out[i-1].Timestamp), "timestamp order")
		}
		spike = spike || r.Latency == 5*time.Second
		fastest = fastest || r.Latency == time.Microsecond
		failed = failed || r.Error != ""
	}
	assert.True(t, spike, "the spike was thinned away")
	assert.True(t, fastest, "the fastest result was thinned away")
	assert.True(t, failed, "the one error is a series of its own")
	assert.Equal(t, began, out[0].Timestamp, "the attack's first result starts its time axis")
}
