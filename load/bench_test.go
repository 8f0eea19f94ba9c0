package load

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"loyalcheck/api"
	"loyalcheck/scenarios"
)

// The engine's hot path, piece by piece (make bench). The first two run
// side by side against the same in-process sandbox: a whole search-only
// session of the engine (numbering, the exchange, decoding, validation,
// the semantic checks, the record handed to the collector) and the bare
// exchange vegeta makes for the same search. Their difference is what
// loyalcheck adds to a request.

const searchOnly = `
name: search-only
load: {rate: 1000/1s, duration: 1s}
points: {count: 1}
flows:
  - name: search
    weight: 1
    steps: [{op: search}]
`

func BenchmarkSearchSession(b *testing.B) {
	c, fx, _ := target(b, nil)
	sc, err := scenarios.Parse([]byte(searchOnly), "search-only.yaml")
	if err != nil {
		b.Fatal(err)
	}
	r, err := NewRunner(context.Background(), c, fx, sc)
	if err != nil {
		b.Fatal(err)
	}
	cfg := r.cfg
	e := r.newEngine(&cfg, time.Second)
	done := make(chan struct{})
	go func() {
		for range e.records {
		}
		close(done)
	}()
	w := newWorker()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		e.runSession(context.Background(), w, sessionJob{idx: uint64(i), seq: uint64(i), scheduled: time.Now()})
	}
	b.StopTimer()
	close(e.records)
	<-done
}

func BenchmarkRawSearch(b *testing.B) {
	c, fx, _ := target(b, nil)
	body, err := json.Marshal(api.SearchRequest{Search: fx.Clients[0].Phone, Point: fx.Points[0]})
	if err != nil {
		b.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	url := c.BaseURL() + api.EpSearch.Path()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("apikey", api.SandboxAPIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func BenchmarkSequencer(b *testing.B) {
	s := newSequencer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.take(string(api.EpSearch))
		}
	})
}

// BenchmarkCollectorAdd is the collector's work per result: metrics,
// histograms, the timeline, with no results file.
func BenchmarkCollectorAdd(b *testing.B) {
	e := &engine{pool: &clientPool{}}
	cfg := &config{}
	col := newCollector(e, cfg, 1000, time.Minute)
	began := time.Now()
	col.began.Store(began.UnixNano())
	rec := &record{res: vegeta.Result{Attack: "search", Code: 200, Timestamp: began, Latency: time.Millisecond}}
	b.ReportAllocs()
	for i := range b.N {
		rec.res.Timestamp = began.Add(time.Duration(i) * time.Millisecond)
		col.add(rec)
	}
}

// BenchmarkResultEncode is one result into a results file (vegeta's gob).
func BenchmarkResultEncode(b *testing.B) {
	rf, err := CreateResults(b.TempDir() + "/results.bin")
	if err != nil {
		b.Fatal(err)
	}
	defer rf.Close()
	res := vegeta.Result{Attack: "search", Seq: 1, Code: 200, Timestamp: time.Now(), Latency: time.Millisecond, BytesIn: 367, BytesOut: 59, Method: "POST", URL: "http://127.0.0.1:8080/integration/general/client"}
	b.ReportAllocs()
	for range b.N {
		if err := rf.Encode(&res); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	h := newHistogram()
	for i := range b.N {
		h.record(time.Duration(i%10000) * time.Microsecond)
	}
}
