package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

// writeFixtures writes fx as a fixtures file and returns its path.
func writeFixtures(t *testing.T, fx *api.Fixtures) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fx.json")
	require.NoError(t, fx.WriteFile(p))
	return p
}

func TestTargetWithoutSchemeIsNamed(t *testing.T) {
	fx := writeFixtures(t, &api.Fixtures{Points: []string{"p"}, Clients: []api.FixtureClient{{Phone: "1"}}})
	for _, cmd := range []string{"contract", "load", "accept", "capacity"} {
		t.Run(cmd, func(t *testing.T) {
			args := []string{cmd, "--target", "127.0.0.1:1", "--fixtures", fx}
			if cmd == "load" {
				args = append(args, "--scenario", "read-only")
			}
			if cmd == "accept" {
				args = append(args, "--out", t.TempDir())
			}
			code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: "k"}, args...)
			assert.Equal(t, exitUsage, code, out+errs)
			assert.Contains(t, errs, "target must be an http(s) URL")
			assert.NotContains(t, errs, "first path segment")
			assert.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
		})
	}
}
