package contract

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/sandbox"
	"loyalcheck/schemas"
)

const testKey = "contract-test-key"

var sharedValidator *schemas.Validator

func TestMain(m *testing.M) {
	v, err := schemas.New()
	if err != nil {
		panic(err)
	}
	sharedValidator = v
	os.Exit(m.Run())
}

// runAgainst starts a sandbox with the options and runs the suite on it.
func runAgainst(t *testing.T, sbOpts []sandbox.Option, opts ...Option) *Result {
	t.Helper()
	ctx := context.Background()
	sb, err := sandbox.Start(ctx, append([]sandbox.Option{sandbox.WithAPIKey(testKey), sandbox.WithClients(20)}, sbOpts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { sb.Close() })
	c, err := sb.Client(api.WithTimeout(10*time.Second), api.WithMaxConns(64))
	require.NoError(t, err)
	res, err := Run(ctx, c, sb.Fixtures(), append([]Option{WithValidator(sharedValidator), WithAPIKey(testKey)}, opts...)...)
	require.NoError(t, err)
	return res
}

// describe lists the non-pass findings, for failure messages.
func describe(res *Result) string {
	var b strings.Builder
	for _, f := range res.Findings {
		if f.Status == Pass {
			continue
		}
		b.WriteString("  " + string(f.Status) + " " + f.Rule + " " + f.Check + ": " + f.Message + "\n")
	}
	return b.String()
}
