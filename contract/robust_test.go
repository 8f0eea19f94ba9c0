package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/sandbox"

	"loyalcheck/reports/record"
)

func testFixtures() *api.Fixtures {
	return &api.Fixtures{Points: []string{"p1"}, Clients: []api.FixtureClient{
		{Phone: "79200000001", Card: "c1", Code: "A1"}, {Phone: "79200000002"}, {Phone: "79200000003"},
	}}
}

// garbage answers every request with something broken, at random.
func garbage(seed uint64) http.Handler {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed))
	answers := []func(w http.ResponseWriter){
		func(w http.ResponseWriter) { w.WriteHeader(500); io.WriteString(w, "boom") },
		func(w http.ResponseWriter) { io.WriteString(w, "not json") },
		func(w http.ResponseWriter) { io.WriteString(w, `{"success":true}`) },
		func(w http.ResponseWriter) {
			io.WriteString(w, `{"success":true,"client":"x","recalc":[],"held":7,"retail":null}`)
		},
		func(w http.ResponseWriter) {
			io.WriteString(w, `{"success":true,"client":{"id":"i","level":{"type":"cashback","maxSpendPercent":"x"},"balance":-1e308}}`)
		},
		func(w http.ResponseWriter) { w.WriteHeader(422); io.WriteString(w, `[]`) },
		func(w http.ResponseWriter) { w.WriteHeader(422); io.WriteString(w, `{"client":5,"success":"no"}`) },
		func(w http.ResponseWriter) {
			io.WriteString(w, `{"success":true,"held":{"id":"h","until":1e300,"amount":"1"},"retail":{"spend":1e308,"earn":-1}}`)
		},
		func(w http.ResponseWriter) { time.Sleep(300 * time.Millisecond) }, // beyond the client's timeout
		func(w http.ResponseWriter) {
			if hj, ok := w.(http.Hijacker); ok {
				c, _, _ := hj.Hijack()
				c.Close()
			}
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		i := rng.IntN(len(answers))
		mu.Unlock()
		answers[i](w)
	})
}

func TestGarbageServerNeverPanics(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			srv := httptest.NewServer(garbage(seed))
			defer srv.Close()
			c, err := api.NewClient(srv.URL, api.WithAPIKey(testKey), api.WithTimeout(100*time.Millisecond))
			require.NoError(t, err)
			res, err := Run(context.Background(), c, testFixtures(), WithValidator(sharedValidator), WithAPIKey(testKey))
			if err != nil {
				require.ErrorIs(t, err, ErrUnreachable)
			}
			require.NotNil(t, res)
			for _, f := range res.Findings {
				assert.NotContains(t, f.Message, "panicked", f.Check)
			}
			b, err := json.Marshal(res)
			require.NoError(t, err)
			assert.NotContains(t, string(b), testKey)
		})
	}
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	c, err := api.NewClient("http://"+addr, api.WithAPIKey(testKey), api.WithTimeout(time.Second))
	require.NoError(t, err)
	_, err = Run(context.Background(), c, testFixtures(), WithValidator(sharedValidator))
	require.ErrorIs(t, err, ErrUnreachable)
}

func TestRefusedKeyIsUnreachable(t *testing.T) {
	sb, err := sandbox.Start(context.Background(), sandbox.WithAPIKey("right"), sandbox.WithClients(10))
	require.NoError(t, err)
	defer sb.Close()
	for _, quirk := range []string{"", "auth-401"} {
		sb2 := sb
		if quirk != "" {
			sb2, err = sandbox.Start(context.Background(), sandbox.WithAPIKey("right"), sandbox.WithClients(10), sandbox.WithFaults(quirk))
			require.NoError(t, err)
			defer sb2.Close()
		}
		c, err := sb2.Client(api.WithAPIKey("wrong"), api.WithMaxConns(8))
		require.NoError(t, err)
		_, err = Run(context.Background(), c, sb2.Fixtures(), WithValidator(sharedValidator))
		require.ErrorIs(t, err, ErrUnreachable, quirk)
		assert.Contains(t, err.Error(), "apikey")
	}
}

func TestPanickingCheckIsAFailure(t *testing.T) {
	cfg := &config{profile: Default, validator: sharedValidator}
	c, err := api.NewClient("http://127.0.0.1:1")
	require.NoError(t, err)
	s := newSuite(c, testFixtures(), cfg)
	s.runCheck(context.Background(), check{name: "boom", rule: "S1", run: func(t *T) { panic("kaboom") }})
	require.Len(t, s.findings, 1)
	assert.Equal(t, Fail, s.findings[0].Status)
	assert.Contains(t, s.findings[0].Message, "kaboom")
}

func TestMissingRolesSkipWithReason(t *testing.T) {
	// Only a discount client and a point: the cashback checks must skip
	// and say what the fixtures lack.
	sb, err := sandbox.Start(context.Background(), sandbox.WithAPIKey(testKey), sandbox.WithClients(10))
	require.NoError(t, err)
	defer sb.Close()
	fx := sb.Fixtures()
	var only []api.FixtureClient
	for _, fc := range fx.Clients {
		if fc.Type == api.TypeDiscount {
			only = append(only, fc)
			break
		}
	}
	require.NotEmpty(t, only)
	fx.Clients = only
	c, err := sb.Client(api.WithMaxConns(8))
	require.NoError(t, err)
	res, err := Run(context.Background(), c, fx, WithValidator(sharedValidator))
	require.NoError(t, err)
	assert.Zero(t, res.Summary.Fail, describe(res))
	skipped := map[string]string{}
	for _, f := range res.Findings {
		if f.Status == Skip {
			skipped[f.Check] = f.Message
			if f.Check != "h6-expiry" {
				assert.True(t, f.Unverified(), "%s: a skip the fixtures caused is unverified", f.Check)
			}
		}
	}
	assert.Contains(t, skipped["rt5-listed-hold"], "no cashback client")
	assert.NotContains(t, skipped, "s3-discount-balance")
	assert.NotContains(t, skipped, "rt7-discount")
}

func TestResultJSON(t *testing.T) {
	res := runAgainst(t, []sandbox.Option{sandbox.WithFaults("spend-message")}, WithOnly("RT1"))
	b, err := json.Marshal(res)
	require.NoError(t, err)
	var doc struct {
		Findings []struct {
			Rule, Status, Message string
			Evidence              map[string]any
		}
		Summary map[string]int
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	require.NotEmpty(t, doc.Findings)
	assert.Equal(t, "RT1", doc.Findings[0].Rule)
	assert.Equal(t, "fail", doc.Findings[0].Status)
	assert.Equal(t, "retail", doc.Findings[0].Evidence["endpoint"])
	assert.EqualValues(t, 422, doc.Findings[0].Evidence["status"])
	assert.Contains(t, fmt.Sprint(doc.Findings[0].Evidence["body"]), "Not enough bonuses")
	for _, k := range []string{"pass", "fail", "warn", "skip"} {
		assert.Contains(t, doc.Summary, k)
	}
	assert.Equal(t, 1, doc.Summary["fail"])
	assert.True(t, res.Failed())
	// What the reports make of it: cmd/loyalcheck's TestContractThroughTheRecord.
	assert.Equal(t, "1 check: 0 pass, 1 fail", Summarize(res).String())
	assert.Equal(t, "45 rules: 0 verified, 1 failed, 44 not in scope", record.CountRules(CoverageOf(res)).String())
}

func TestWithOnlyAndValidateOnly(t *testing.T) {
	require.NoError(t, ValidateOnly("RT1", "h3-max-duration", "schema", "g1,G2"))
	require.Error(t, ValidateOnly("RT99"))
	res := runAgainst(t, nil, WithOnly("S1,h7-release-idempotent"))
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Check)
	}
	assert.ElementsMatch(t, []string{"s1-unknown-client", "h7-release-idempotent"}, got)
}

var _ = errors.New
