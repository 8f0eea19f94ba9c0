package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"loyalcheck/api"
)

// BenchmarkSandboxMix measures the sandbox over loopback HTTP, as commands
// use it: a file database (the default temporary one), parallel clients,
// and a checkout mix of 2 searches, 2 recalcs and 1 retail (accruals and
// small spends) per 5 requests. One op is one request.
func BenchmarkSandboxMix(b *testing.B) {
	sb, err := Start(context.Background(), WithClients(200))
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	c, err := sb.Client()
	if err != nil {
		b.Fatal(err)
	}
	fx := sb.Fixtures()
	ids := make([]string, len(fx.Clients))
	for i, fc := range fx.Clients {
		r, _, err := c.Search(context.Background(), api.SearchRequest{Search: fc.Phone, Point: fx.Points[0]})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = r.Client.ID
	}
	// Bodies built up front, so the client side costs little of the CPU
	// the server is measured on.
	type req struct {
		ep   api.Endpoint
		body []byte
	}
	var mix []req
	mustJSON := func(v any) []byte {
		out, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	for i, fc := range fx.Clients {
		point := fx.Points[i%len(fx.Points)]
		spend := 0
		if i%2 == 0 {
			spend = 1
		}
		mix = append(mix,
			req{api.EpSearch, mustJSON(api.SearchRequest{Search: fc.Phone, Point: point})},
			req{api.EpRecalc, mustJSON(api.RecalcRequest{Client: ids[i], Point: point, Amount: 123.45})},
			req{api.EpSearch, mustJSON(api.SearchRequest{Search: fc.Card, Point: point})},
			req{api.EpRecalc, mustJSON(api.RecalcRequest{Client: ids[i], Point: point, Amount: 99.9})},
			req{api.EpRetail, mustJSON(map[string]any{"client": ids[i], "point": point, "amount": 100, "spend": spend})},
		)
	}
	var next, failed atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			r := mix[next.Add(1)%int64(len(mix))]
			ex, err := c.Do(ctx, r.ep, r.body)
			if err != nil {
				b.Error(err)
				return
			}
			if ex.Status != 200 && ex.Status != 422 {
				failed.Add(1)
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d answers were neither 200 nor 422", n)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	rows, err := sb.Server().Audit(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	for _, row := range rows {
		if !row.Consistent() {
			b.Fatal(fmt.Sprintf("ledger broken: %+v", row))
		}
	}
}
