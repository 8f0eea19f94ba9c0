package contract

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

// pathLog records the path of every request that reaches the server.
type pathLog struct {
	mu    sync.Mutex
	paths map[string]int
}

func (l *pathLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		if l.paths == nil {
			l.paths = map[string]int{}
		}
		l.paths[r.URL.Path]++
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (l *pathLog) count(ep api.Endpoint) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.paths[ep.Path()]
}

func TestReadOnlySendsNoWrite(t *testing.T) {
	for _, clientGuard := range []bool{false, true} {
		var log pathLog
		srv, c, _ := wrappedSandbox(t, log.wrap)
		if clientGuard {
			var err error
			c, err = api.NewClient(c.BaseURL(), api.WithAPIKey(testKey), api.WithReadOnly(true))
			require.NoError(t, err)
		}
		before := srv.Balances()
		res, err := Run(context.Background(), c, srv.Fixtures(), WithValidator(sharedValidator), WithAPIKey(testKey),
			WithReadOnly(true), WithSlow(true))
		require.NoError(t, err)
		for _, ep := range []api.Endpoint{api.EpHold, api.EpRelease, api.EpRetail} {
			assert.Zero(t, log.count(ep), "%s requests sent under read-only", ep)
		}
		assert.Positive(t, log.count(api.EpSearch))
		assert.Positive(t, log.count(api.EpRecalc))
		assert.Equal(t, before, srv.Balances(), "balances changed under read-only")
		assert.Zero(t, res.Summary.Fail, "read-only skips are no failures:\n%s", describe(res))
		assert.True(t, res.ReadOnly)

		// Every check either ran on search and recalc alone or is skipped
		// as read-only; none passes without having finished.
		byCheck := map[string][]Finding{}
		for _, f := range res.Findings {
			byCheck[f.Check] = append(byCheck[f.Check], f)
		}
		for _, name := range []string{"h1-echo", "h6-expiry", "rt1-spend-over", "l1-ledger", "g1-post-json"} {
			fs := byCheck[name]
			require.NotEmpty(t, fs, "%s", name)
			assert.True(t, fs[len(fs)-1].SkippedFor(ReadOnlyReason), "%s", name)
		}
		ro := 0
		for _, f := range res.Findings {
			if f.SkippedFor(ReadOnlyReason) {
				ro++
				assert.True(t, f.NotInScope, "a read-only skip is the user's choice: %s", f.Check)
			}
		}
		assert.Greater(t, ro, 10, "the write checks are skipped as read-only:\n%s", describe(res))
		assert.Positive(t, res.Summary.Pass, "search and recalc checks still run")
		assert.Contains(t, res.Record().Notes[0], "read-only")
	}
}
