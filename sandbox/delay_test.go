package sandbox

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

// A delayed endpoint answers correctly, and no sooner than its delay.
func TestWithDelay(t *testing.T) {
	const d = 60 * time.Millisecond
	h := newHarness(t, WithDelay(api.EpSearch, d))
	start := time.Now()
	h.ok(api.EpSearch, map[string]any{"search": h.phone(0), "point": h.point(0)})
	assert.GreaterOrEqual(t, time.Since(start), d)
}

func TestParseDelay(t *testing.T) {
	ep, d, err := ParseDelay("recalc=20ms")
	require.NoError(t, err)
	assert.Equal(t, api.EpRecalc, ep)
	assert.Equal(t, 20*time.Millisecond, d)
	for _, bad := range []string{"recalc", "nope=1ms", "recalc=fast", "recalc=-1ms", "recalc=2h", "=1ms"} {
		_, _, err := ParseDelay(bad)
		assert.Error(t, err, bad)
	}
	_, err = New(WithDB(MemoryDB), WithDelay("nope", time.Millisecond))
	assert.ErrorContains(t, err, "delay")
}
