package sandbox

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
