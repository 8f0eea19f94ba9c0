package load

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/preflight"
)

// The setup searches through the preflight's fail-fast search: a target
// that stops answering costs a few timeouts, not one per fixture client.
func TestSetupStopsOnAHangingTarget(t *testing.T) {
	var seen atomic.Int64
	release := make(chan struct{})
	c, _, _ := target(t, func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen.Add(1)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
	})
	defer close(release)
	hang, err := api.NewClient(c.BaseURL(), api.WithTimeout(100*time.Millisecond))
	require.NoError(t, err)
	fx := &api.Fixtures{Points: []string{"p"}}
	for i := range 200 {
		fx.Clients = append(fx.Clients, api.FixtureClient{Phone: fmt.Sprintf("7920%07d", i)})
	}
	_, err = NewRunner(context.Background(), hang, fx, scenario(t, "read-only"))
	require.ErrorIs(t, err, ErrUnreachable)
	assert.LessOrEqual(t, seen.Load(), int64(setupConcurrency+preflight.DefaultMaxTransportErrors))
}

// Handed the preflight's searches, the setup sends none of its own: here
// to a client whose target is gone.
func TestSetupReusesThePreflight(t *testing.T) {
	c, fx, _ := target(t, nil)
	pre, err := preflight.Run(context.Background(), c, fx)
	require.NoError(t, err)
	var sent atomic.Int64
	counting, _, _ := target(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sent.Add(1); next.ServeHTTP(w, r) })
	})
	r, err := NewRunner(context.Background(), counting, fx, scenario(t, "read-only"), WithPreflight(pre))
	require.NoError(t, err)
	assert.Zero(t, sent.Load())
	assert.Len(t, r.ledger.accounts, len(fx.Clients))
	assert.Equal(t, pre.Clients[0].Found.Client.ID, r.ledger.accounts[0].id)
}
