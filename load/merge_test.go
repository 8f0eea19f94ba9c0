package load

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"loyalcheck/api"
	"loyalcheck/internal/gather"
	"loyalcheck/preflight"
	"loyalcheck/sandbox"
	"loyalcheck/scenarios"
)

// shardRun is what one in-process shard left: its summary (through JSON,
// as a shard writes it), its journal, and every latency it measured.
type shardRun struct {
	sum     *Summary
	journal []JournalEntry
	samples map[string][]time.Duration
}

// runShards runs n shards of sc side by side from one start time, as the
// shards of a distributed run do, each with its own runner and books.
func runShards(t *testing.T, c *api.Client, fx *api.Fixtures, sc *scenarios.Scenario, pre *preflight.Result, n int, opts ...Option) []shardRun {
	t.Helper()
	start := time.Now().Add(200 * time.Millisecond)
	out := make([]shardRun, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			samples := map[string][]time.Duration{}
			var mu sync.Mutex
			sink := func(r *vegeta.Result) error {
				mu.Lock()
				samples[r.Attack] = append(samples[r.Attack], r.Latency)
				mu.Unlock()
				// A request's timestamp is when it was sent: never before
				// the common start.
				assert.False(t, r.Timestamp.Before(start), "shard %d sent %s at %s, before the start %s", i, r.Attack, r.Timestamp, start)
				return nil
			}
			o := append([]Option{WithPreflight(pre), WithShard(i, n), WithStartAt(start), WithResults(sink), WithSessionResults(sink)}, opts...)
			r, err := NewRunner(context.Background(), c, fx, sc, o...)
			if !assert.NoError(t, err) {
				return
			}
			sum, err := r.Run(context.Background())
			if !assert.NoError(t, err) {
				return
			}
			b, err := json.Marshal(sum)
			require.NoError(t, err)
			var back Summary
			require.NoError(t, json.Unmarshal(b, &back))
			var jb bytes.Buffer
			require.NoError(t, r.WriteJournal(context.Background(), &jb))
			j, err := ReadJournal(&jb)
			require.NoError(t, err)
			out[i] = shardRun{sum: &back, journal: j, samples: samples}
		}()
	}
	wg.Wait()
	require.False(t, t.Failed())
	for i, s := range out {
		require.NotNil(t, s.sum, "shard %d", i)
		assert.True(t, s.sum.Started.Equal(start), "shard %d reports the common start", i)
	}
	return out
}

// Shards started side by side are one run: together they start exactly
// the sessions the whole run's pacer schedules, their merged counts are
// the sums of theirs, their merged quantiles those of one histogram of
// every sample, and one audit of all their journals passes a correct
// target.
func TestShardsMergeIntoOneRun(t *testing.T) {
	c, fx, _ := target(t, nil)
	sc := scenario(t, "hold-contention")
	pre, err := preflight.Run(context.Background(), c, fx)
	require.NoError(t, err)
	rate, dur := scenarios.Rate{Freq: 30, Per: time.Second}, time.Second
	shards := runShards(t, c, fx, sc, pre, 3, WithRate(rate), WithDuration(dur))

	pacer, err := Pacer(sc.Load, rate, dur)
	require.NoError(t, err)
	parts := make([]*Summary, len(shards))
	for i, s := range shards {
		parts[i] = s.sum
	}
	m, err := MergeSummaries(parts...)
	require.NoError(t, err)
	assert.Equal(t, expectedStarts(pacer, dur), m.Sessions.Scheduled, "the shards together schedule the whole run")
	var started, reqs uint64
	for _, p := range parts {
		started += p.Sessions.Started
		reqs += p.Totals().Requests
		assert.Greater(t, p.Sessions.Started, uint64(0))
	}
	assert.Equal(t, started, m.Sessions.Started)
	assert.Equal(t, reqs, m.Totals().Requests)

	// One histogram of every sample of every shard.
	all := map[string]*histogram{}
	total := newHistogram()
	for _, s := range shards {
		for step, lats := range s.samples {
			if all[step] == nil {
				all[step] = newHistogram()
			}
			for _, d := range lats {
				all[step].record(d)
				if step != sessionAttack {
					total.record(d)
				}
			}
		}
	}
	check := func(name string, got Latency, want *histogram) {
		t.Helper()
		w := want.summary()
		require.Equal(t, w.Count, got.Count, name)
		for _, q := range []string{"50", "90", "99", "99.9", "max", "min"} {
			g, _ := got.Quantile(q)
			x, _ := w.Quantile(q)
			// The shards' summaries went through JSON, in whole µs.
			assert.Equal(t, ms(x), ms(g), "%s p%s", name, q)
		}
	}
	for _, st := range m.Steps {
		check(st.Name, st.Latency, all[st.Name])
	}
	check("session", m.Session.Latency, all[sessionAttack])
	check("total", m.Totals().Latency, total)

	journals := make([][]JournalEntry, len(shards))
	for i, s := range shards {
		journals[i] = s.journal
	}
	led, err := AuditJournals(context.Background(), c, fx, sc, pre, journals...)
	require.NoError(t, err)
	assert.True(t, led.Passed(), "%+v", led)
	assert.Greater(t, led.Touched, 0)
}

// holdAll returns a scenario of one hot client and one session per
// shard of three, each holding all the client has for half a second
// before releasing it.
func holdAll(t *testing.T) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Load("testdata/hold-all.yaml")
	require.NoError(t, err)
	return sc
}

// A target that lets concurrent holds each take the same points overdraws
// only across shards: each shard held at most what the client had, and
// only the audit of all journals together sees the holds overlap (L2).
func TestOneAuditAcrossShardsCatchesARace(t *testing.T) {
	sc := holdAll(t)
	for _, tc := range []struct {
		name   string
		faults []string
		caught bool
	}{{"racy", []string{"racy-debit"}, true}, {"correct", nil, false}} {
		t.Run(tc.name, func(t *testing.T) {
			c, fx, _ := target(t, gather.Requests(api.EpHold.Path(), 3, 2*time.Second), sandbox.WithFaults(tc.faults...))
			pre, err := preflight.Run(context.Background(), c, fx)
			require.NoError(t, err)
			shards := runShards(t, c, fx, sc, pre, 3)
			journals := make([][]JournalEntry, len(shards))
			for i, s := range shards {
				require.Equal(t, uint64(1), s.sum.Sessions.Started, "shard %d", i)
				journals[i] = s.journal
			}
			led, err := AuditJournals(context.Background(), c, fx, sc, pre, journals...)
			require.NoError(t, err)
			if !tc.caught {
				assert.True(t, led.Passed(), "%+v", led)
				return
			}
			require.True(t, led.Broken(), "%+v", led)
			rules := map[string]bool{}
			for _, f := range led.Findings {
				rules[f.Rule] = true
			}
			assert.True(t, rules["L2"], "%+v", led.Findings)
			// No shard alone could have seen it.
			for i, j := range journals {
				one, err := AuditJournals(context.Background(), c, fx, sc, pre, j)
				require.NoError(t, err)
				assert.True(t, one.Passed(), "shard %d alone: %+v", i, one)
			}
		})
	}
}
