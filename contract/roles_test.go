package contract

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/sandbox"
)

// runWithFixtures runs the suite's checks of rules against a sandbox of n
// clients, with the sandbox's fixtures rewritten by edit.
func runWithFixtures(t *testing.T, n int, edit func(*api.Fixtures), opts ...Option) *Result {
	t.Helper()
	ctx := context.Background()
	sb, err := sandbox.Start(ctx, sandbox.WithAPIKey(testKey), sandbox.WithClients(n))
	require.NoError(t, err)
	t.Cleanup(func() { sb.Close() })
	c, err := sb.Client(api.WithTimeout(10*time.Second), api.WithMaxConns(8))
	require.NoError(t, err)
	fx := sb.Fixtures()
	edit(fx)
	res, err := Run(ctx, c, fx, append([]Option{WithValidator(sharedValidator), WithAPIKey(testKey)}, opts...)...)
	require.NoError(t, err)
	return res
}

// Discount clients listed after 40 cashback clients (a vendor exporting
// cashback clients first) still fill the discount role: the type hints
// pick the candidates, not the index.
func TestRolesFromTypeHintsNotTheFirstForty(t *testing.T) {
	res := runWithFixtures(t, 80, func(fx *api.Fixtures) {
		slices.SortStableFunc(fx.Clients, func(a, b api.FixtureClient) int {
			rank := func(c api.FixtureClient) int {
				if c.Type == api.TypeDiscount {
					return 1
				}
				return 0
			}
			return rank(a) - rank(b)
		})
		require.Equal(t, api.TypeCashback, fx.Clients[40].Type, "at least 41 cashback clients come first")
	}, WithOnly("S3", "C5", "RT7"))
	for _, rule := range []string{"S3", "C5", "RT7"} {
		fs := findingsOf(res, rule)
		require.NotEmpty(t, fs, rule)
		for _, f := range fs {
			assert.Equal(t, Pass, f.Status, "%s: %s", rule, f.Message)
		}
	}
}

// A role no fixture client fills is skipped saying that every client was
// searched, and how many the fixtures listed of that type.
func TestEmptyRoleSaysWhy(t *testing.T) {
	res := runWithFixtures(t, 30, func(fx *api.Fixtures) {
		// Relabel the discount clients as cashback, then drop them: the
		// fixtures list 2 "discount" clients that the target shows as
		// cashback, and no real discount client.
		var kept []api.FixtureClient
		relabelled := 0
		for _, c := range fx.Clients {
			switch {
			case c.Type != api.TypeDiscount:
				kept = append(kept, c)
			}
		}
		for i := range kept {
			if relabelled < 2 && kept[i].Type == api.TypeCashback {
				kept[i].Type = api.TypeDiscount
				relabelled++
			}
		}
		fx.Clients = kept
	}, WithOnly("S3"))
	fs := findingsOf(res, "S3")
	require.Len(t, fs, 1)
	assert.Equal(t, Skip, fs[0].Status)
	assert.Contains(t, fs[0].Message, "fixtures have no discount client (all ")
	assert.Contains(t, fs[0].Message, "fixture clients were searched; 2 listed as discount in the fixtures, none fits as the target shows them)")
}

// Discovery is bounded by time: out of budget, it stops and says so.
func TestDiscoveryBudget(t *testing.T) {
	res := runWithFixtures(t, 30, func(fx *api.Fixtures) {
		// No hints, a cashback client first: the first search cannot
		// fill the discount role.
		require.Equal(t, api.TypeCashback, fx.Clients[0].Type)
		for i := range fx.Clients {
			fx.Clients[i].Type = ""
		}
	}, WithOnly("S3"), WithDiscoveryBudget(time.Nanosecond))
	fs := findingsOf(res, "S3")
	require.Len(t, fs, 1)
	assert.Equal(t, Skip, fs[0].Status)
	assert.Contains(t, fs[0].Message, "the discovery budget of 1ns ran out after 1 of 30 fixture clients were searched")
}
