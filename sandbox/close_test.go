package sandbox

import (
	"context"
	"net"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

// A client transport often dials a connection it never sends a request
// on; net/http's Shutdown would wait 5 s for it. Close must not.
func TestCloseDoesNotWaitForUnusedConnections(t *testing.T) {
	sb, err := Start(context.Background())
	require.NoError(t, err)
	c, err := net.Dial("tcp", strings.TrimPrefix(sb.URL(), "http://"))
	require.NoError(t, err)
	defer c.Close()
	time.Sleep(50 * time.Millisecond) // let the server accept it
	start := time.Now()
	require.NoError(t, sb.Close())
	assert.Less(t, time.Since(start), 2*time.Second)
}

// A client from Client is wired to the sandbox (its URL and apikey, the
// caller's options on top), and the sandbox closes its idle connections
// when it closes: the next call dials anew instead of reusing one.
func TestClientClosesWithSandbox(t *testing.T) {
	sb, err := Start(context.Background(), WithAPIKey("sandbox-key"), WithClients(5), WithDB(MemoryDB))
	require.NoError(t, err)
	defer sb.Close()
	fx := sb.Fixtures()
	req := api.SearchRequest{Search: fx.Clients[0].SearchKey(), Point: fx.Points[0]}
	c, err := sb.Client()
	require.NoError(t, err)
	assert.Equal(t, sb.URL(), c.BaseURL())
	reused := func() bool {
		var got httptrace.GotConnInfo
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { got = i }})
		_, _, err := c.Search(ctx, req)
		require.NoError(t, err, "the client sends the sandbox's apikey")
		return got.Reused
	}
	assert.False(t, reused(), "the first call dials")
	assert.True(t, reused(), "a second call reuses the keep-alive connection")
	sb.closeClients()
	assert.False(t, reused(), "the sandbox closed the client's idle connection")

	bad, err := sb.Client(api.WithAPIKey("wrong"))
	require.NoError(t, err)
	_, _, err = bad.Search(context.Background(), req)
	var se *api.StatusError
	require.ErrorAs(t, err, &se, "the caller's apikey replaces the sandbox's")
	assert.Contains(t, se.Fields, "apikey", "refused for the key (G3)")

	require.NoError(t, sb.Close())
	_, _, err = c.Search(context.Background(), req)
	assert.True(t, api.IsTransport(err), "after Close nothing answers: %v", err)
}
