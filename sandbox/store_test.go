package sandbox

import (
	"context"
	"database/sql"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

// TestRestartKeepsState: a file database keeps fixtures, balances, holds
// and the journal across a restart, and ignores the seeding options then.
func TestRestartKeepsState(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.db")
	clock := NewManualClock(t0)
	open := func(opts ...Option) *harness {
		srv, err := New(append([]Option{WithDB(file), WithClock(clock)}, opts...)...)
		require.NoError(t, err)
		ts := httptest.NewServer(srv)
		return &harness{t: t, srv: srv, ts: ts, clock: clock, fx: srv.Fixtures(), ids: map[int]string{}}
	}
	closeH := func(h *harness) {
		h.ts.Close()
		require.NoError(t, h.srv.Close())
	}

	h := open(WithSeed(7), WithClients(12), WithPoints(2))
	assert.Equal(t, StoreInfo{Seed: 7, Clients: 12, Points: 2}, h.srv.StoreInfo())
	fx := h.fx
	held := h.hold(cRich, 1000, nil)
	h.ok(api.EpRetail, map[string]any{"client": h.id(cRich), "point": h.point(1), "amount": 300, "spend": 200})
	h.ok(api.EpRetail, map[string]any{"client": h.id(cSilver), "point": h.point(1), "amount": 300, "spend": 0})
	assert.Equal(t, int64(3800), h.balance(cRich))
	ops, err := h.srv.Operations(context.Background())
	require.NoError(t, err)
	closeH(h)

	h = open(WithSeed(99), WithClients(3), WithPoints(1))
	defer closeH(h)
	assert.Equal(t, StoreInfo{Seed: 7, Clients: 12, Points: 2, Reused: true}, h.srv.StoreInfo())
	assert.Equal(t, fx, h.fx)
	assert.Equal(t, int64(3800), h.balance(cRich), "balance and the active hold survive")
	assert.Equal(t, int64(4800), h.balance(cRich, held))
	assert.Equal(t, int64(2521), h.balance(cSilver))
	ops2, err := h.srv.Operations(context.Background())
	require.NoError(t, err)
	assert.Equal(t, ops, ops2)
	h.clock.Advance(10 * time.Minute)
	assert.Equal(t, int64(4800), h.balance(cRich), "the hold expires on the restored clock")
	for _, row := range mustAudit(t, h.srv) {
		assert.True(t, row.Consistent(), "%+v", row)
	}
}

func mustAudit(t *testing.T, s *Server) []AuditRow {
	t.Helper()
	rows, err := s.Audit(context.Background())
	require.NoError(t, err)
	return rows
}

// TestDatabaseInUse: a second server on the same file fails at start
// rather than share the file with its own view of the balances.
func TestDatabaseInUse(t *testing.T) {
	file := filepath.Join(t.TempDir(), "busy.db")
	s1, err := New(WithDB(file), WithClients(5))
	require.NoError(t, err)
	defer s1.Close()
	_, err = New(WithDB(file))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "in use")
}

// TestNotASandboxDatabase: an unrelated SQLite file is refused, not
// overwritten.
func TestNotASandboxDatabase(t *testing.T) {
	file := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", file)
	require.NoError(t, err)
	_, err = db.Exec(`CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('keep me')`)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	_, err = New(WithDB(file))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a loyalcheck sandbox database")
}

// TestTemporaryDatabase: the default store is a temporary file, removed
// on Close.
func TestTemporaryDatabase(t *testing.T) {
	s, err := New(WithClients(3))
	require.NoError(t, err)
	dir := s.st.tmpDir
	require.NotEmpty(t, dir)
	_, err = os.Stat(filepath.Join(dir, "sandbox.db"))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")
	_, err = os.Stat(dir)
	assert.True(t, os.IsNotExist(err), "temporary database left behind: %v", err)
	_, err = s.Audit(context.Background())
	assert.Error(t, err)
}

// TestOptionsValidated: New refuses impossible configurations.
func TestOptionsValidated(t *testing.T) {
	for name, opts := range map[string][]Option{
		"no clients":   {WithClients(0)},
		"no points":    {WithPoints(0)},
		"empty apikey": {WithAPIKey("")},
		"nil clock":    {WithClock(nil)},
		"bad path":     {WithDB(filepath.Join(t.TempDir(), "a?b.db"))},
		"no such dir":  {WithDB(filepath.Join(t.TempDir(), "missing", "x.db"))},
	} {
		_, err := New(append([]Option{WithDB(MemoryDB)}, opts...)...)
		assert.Error(t, err, name)
	}
}

// TestStartAndClose: Start serves on a loopback port until Close.
func TestStartAndClose(t *testing.T) {
	sb, err := Start(context.Background(), WithDB(MemoryDB), WithClients(10))
	require.NoError(t, err)
	assert.Regexp(t, `^http://127\.0\.0\.1:[0-9]+$`, sb.URL())
	c, err := sb.Client()
	require.NoError(t, err)
	fx := sb.Fixtures()
	require.NoError(t, fx.Validate())
	resp, _, err := c.Search(context.Background(), api.SearchRequest{Search: fx.Clients[0].Phone, Point: fx.Points[0]})
	require.NoError(t, err)
	assert.True(t, resp.Success)
	assert.Same(t, sb.Server(), sb.Server())
	require.NoError(t, sb.Close())
	require.NoError(t, sb.Close())
	select {
	case <-sb.Done():
	default:
		t.Fatal("Done not closed after Close")
	}
	assert.NoError(t, sb.Err())
	_, _, err = c.Search(context.Background(), api.SearchRequest{Search: fx.Clients[0].Phone, Point: fx.Points[0]})
	assert.True(t, api.IsTransport(err), "still serving after Close: %v", err)

	_, err = Start(context.Background(), WithDB(MemoryDB), WithAddr("256.0.0.1:1"))
	assert.Error(t, err)
}
