package load

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

// TestStepLatencyEndsWithTheAnswer: a step's latency runs from its start
// to the last byte of the answer, as the client measured it; what the
// harness does after that (decoding, validating, judging) is not the
// target's time. The send here takes 40 ms more after the answer was read,
// and none of it is in the step's latency.
func TestStepLatencyEndsWithTheAnswer(t *testing.T) {
	const exchange, after = 5 * time.Millisecond, 40 * time.Millisecond
	c, err := api.NewClient("http://127.0.0.1:1") // never dialled: the send is the test's
	require.NoError(t, err)
	e := &engine{client: c, records: make(chan *record, 1), seqs: newSequencer(), cfg: &config{}}
	s := &session{acct: &account{}}
	var ex *api.Exchange
	var took time.Duration
	sr := e.call(context.Background(), s, api.EpSearch, func(context.Context) (*api.Exchange, error) {
		t0 := time.Now()
		ex = &api.Exchange{Endpoint: api.EpSearch, Status: 200, Start: t0, Latency: exchange}
		time.Sleep(after) // the harness's own work once the answer is in
		took = time.Since(t0)
		return ex, nil
	}, "")
	e.finish(s, &sr)
	rec := <-e.records
	assert.Equal(t, ex.Start.Add(exchange).Sub(rec.res.Timestamp), rec.res.Latency, "the send took %v", took)
}
