package preflight

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/sandbox"
)

func startSandbox(t *testing.T, opts ...sandbox.Option) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), append([]sandbox.Option{sandbox.WithAPIKey("k")}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { sb.Close() })
	return sb
}

func client(t *testing.T, url, key string) *api.Client {
	t.Helper()
	c, err := api.NewClient(url, api.WithAPIKey(key), api.WithTimeout(10*time.Second))
	require.NoError(t, err)
	return c
}

func TestRunFindsEveryFixtureClient(t *testing.T) {
	sb := startSandbox(t)
	fx := sb.Fixtures()
	res, err := Run(context.Background(), client(t, sb.URL(), "k"), fx)
	require.NoError(t, err)
	require.Len(t, res.Clients, len(fx.Clients))
	assert.Len(t, res.Found(), len(fx.Clients))
	for i, c := range res.Clients {
		assert.Equal(t, fx.Clients[i].SearchKey(), c.Key)
		assert.NotEmpty(t, c.Found.Client.ID, c.Key)
	}
}

func TestRunListsUnknownClientsAndPoints(t *testing.T) {
	sb := startSandbox(t)
	fx := *sb.Fixtures()
	for i := range 7 {
		fx.Clients = append(fx.Clients, api.FixtureClient{Phone: fmt.Sprintf("7999000000%d", i)})
	}
	fx.Points = append(fx.Points, "nopoint-1", "nopoint-2")
	res, err := Run(context.Background(), client(t, sb.URL(), "k"), &fx)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []string{"79990000000", "79990000001", "79990000002", "79990000003", "79990000004", "79990000005", "79990000006"}, ce.UnknownClients)
	assert.Equal(t, []string{"nopoint-1", "nopoint-2"}, ce.UnknownPoints)
	assert.Contains(t, err.Error(), fmt.Sprintf("7 of %d fixture clients unknown to the target (79990000000, 79990000001, 79990000002, 79990000003, 79990000004 and 2 more)", len(fx.Clients)))
	assert.Contains(t, err.Error(), "2 of ")
	assert.Len(t, res.Found(), len(fx.Clients)-7)
}

func TestRunUnknownSearchPoint(t *testing.T) {
	sb := startSandbox(t)
	fx := *sb.Fixtures()
	fx.Points = append([]string{"not-a-point"}, fx.Points...)
	_, err := Run(context.Background(), client(t, sb.URL(), "k"), &fx)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []string{"not-a-point"}, ce.UnknownPoints)
	assert.Empty(t, ce.UnknownClients)
}

func TestRunWrongBaseURL(t *testing.T) {
	sb := startSandbox(t)
	_, err := Run(context.Background(), client(t, sb.URL()+"/api", "k"), sb.Fixtures())
	var na *NoAPIError
	require.ErrorAs(t, err, &na)
	assert.Equal(t, fmt.Sprintf("no loyalty API at %s/api/integration/general/client (HTTP 404): check the path in --target", sb.URL()), err.Error())
}

func TestRunRefusedKey(t *testing.T) {
	sb := startSandbox(t)
	_, err := Run(context.Background(), client(t, sb.URL(), "wrong"), sb.Fixtures())
	require.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), "refuses the apikey")
}

// A target that accepts requests and never answers costs one timeout per
// worker, not one per fixture client.
func TestRunHangingTargetFailsFast(t *testing.T) {
	srv, seen := hangingServer(t)
	fx := &api.Fixtures{Points: []string{"p"}}
	for i := range 200 {
		fx.Clients = append(fx.Clients, api.FixtureClient{Phone: fmt.Sprintf("7920%07d", i)})
	}
	c, err := api.NewClient(srv.URL, api.WithAPIKey("k"), api.WithTimeout(100*time.Millisecond))
	require.NoError(t, err)
	res, err := Run(context.Background(), c, fx, WithConcurrency(8))
	require.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), "requests in a row got no answer")
	// Each worker may send one more request while the first failures are
	// counted: well under the 200 a search of every client would send.
	assert.LessOrEqual(t, seen(), int64(8+DefaultMaxTransportErrors))
	assert.Len(t, res.Clients, 200)
}

func TestRunBudget(t *testing.T) {
	sb := startSandbox(t)
	ctx := context.Background()
	// A budget already spent: nothing may pass as checked.
	_, err := Run(ctx, client(t, sb.URL(), "k"), sb.Fixtures(), WithBudget(time.Nanosecond))
	require.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), "time budget")
}

func TestRunParentCancelled(t *testing.T) {
	sb := startSandbox(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, client(t, sb.URL(), "k"), sb.Fixtures())
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}

// hangingServer accepts requests and never answers them (until the test
// ends); seen counts the requests it got.
func hangingServer(t *testing.T) (*httptest.Server, func() int64) {
	var n atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv, n.Load
}

// The preflight changes nothing on the target: it sends only searches and
// recalcs (safe under --read-only and on production), including when it
// finds unknown clients and points.
func TestRunSendsOnlySearchAndRecalc(t *testing.T) {
	sb := startSandbox(t)
	var mu sync.Mutex
	paths := map[string]int{}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths[r.URL.Path]++
		mu.Unlock()
		u, _ := url.Parse(sb.URL())
		httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
	}))
	defer proxy.Close()
	fx := *sb.Fixtures()
	fx.Clients = append(fx.Clients, api.FixtureClient{Phone: "79990000000"})
	fx.Points = append(fx.Points, "no-such-point")
	_, err := Run(context.Background(), client(t, proxy.URL, "k"), &fx)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, len(fx.Clients), paths[api.EpSearch.Path()])
	assert.Equal(t, len(fx.Points)-1, paths[api.EpRecalc.Path()])
	assert.Len(t, paths, 2, "only search and recalc: %v", paths)
}
