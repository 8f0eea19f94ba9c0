package promexport

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/internal/keyforms"
	"loyalcheck/load"
	"loyalcheck/sandbox"
	"loyalcheck/scenarios"
)

const testKey = "promexport-test-apikey-7f3a9c"

// scrape fetches and parses the exposition, returning its text too.
func scrape(t *testing.T, url string) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	fams, text, err := fetch(url)
	require.NoError(t, err)
	return fams, text
}

func fetch(url string) (map[string]*dto.MetricFamily, string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("scrape: %s", resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(b)))
	return fams, string(b), err
}

// value is the counter, gauge or histogram count of name's series with
// exactly the labels given (0 when absent).
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f, ok := fams[name]
	if !ok {
		return 0
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(want) {
			continue
		}
		for _, l := range m.GetLabel() {
			if want[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return 0
}

// A short loopback run with violations (photo-number) and drops (a slow
// target, one session at a time) is scraped while a request is being
// served and after the run: mid-run the run is live, at the end every
// counter equals the run summary's count, the one the run record holds.
func TestScrapeDuringAndAfterARunMatchesTheSummary(t *testing.T) {
	srv, err := sandbox.New(sandbox.WithDB(sandbox.MemoryDB), sandbox.WithClients(20),
		sandbox.WithAPIKey(testKey), sandbox.WithFaults("photo-number"))
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })

	x := New()
	ms, err := Listen("127.0.0.1:0", x)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ms.Close(context.Background()) })
	url := "http://" + ms.Addr() + "/metrics"

	// Once armed, the first request of the run scrapes the metrics before
	// it is answered: the run is certainly under way then.
	var armed atomic.Bool
	var once sync.Once
	var mid map[string]*dto.MetricFamily
	var midErr error
	h := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if armed.Load() {
			once.Do(func() { mid, _, midErr = fetch(url) })
		}
		// A floor on every answer: one session at a time cannot keep up
		// with the schedule, so starts are dropped however fast the
		// machine.
		time.Sleep(20 * time.Millisecond)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	c, err := api.NewClient(ts.URL, api.WithAPIKey(testKey), api.WithTimeout(5*time.Second))
	require.NoError(t, err)
	sc, err := scenarios.Load("checkout")
	require.NoError(t, err)

	ctx := context.Background()
	const rate = 20
	r, err := load.NewRunner(ctx, c, srv.Fixtures(), sc, load.WithObserver(x),
		load.WithRate(scenarios.Rate{Freq: rate, Per: time.Second}), load.WithDuration(2*time.Second), load.WithMaxInFlight(1))
	require.NoError(t, err)
	armed.Store(true)
	sum, err := r.Run(ctx)
	require.NoError(t, err)

	require.NoError(t, midErr)
	require.NotNil(t, mid, "no scrape during the run")
	assert.Equal(t, float64(rate), value(mid, TargetRate))
	assert.Equal(t, 1.0, value(mid, InFlight))
	assert.Equal(t, 1.0, value(mid, SessionsStarted))

	end, text := scrape(t, url)
	require.NotEmpty(t, sum.Steps)
	for _, ep := range api.Endpoints() {
		m, _ := sum.Step(string(ep))
		step := string(ep)
		assert.Equal(t, float64(m.OK), value(end, Requests, "step", step, "outcome", "ok"), step)
		assert.Equal(t, float64(m.Refused), value(end, Requests, "step", step, "outcome", "refused"), step)
		assert.Equal(t, float64(m.Unexpected), value(end, Requests, "step", step, "outcome", "unexpected"), step)
		assert.Equal(t, float64(m.Requests), value(end, RequestDuration, "step", step), step)
	}
	s := sum.Sessions
	assert.Greater(t, s.Dropped, uint64(0))
	assert.Equal(t, float64(s.Started), value(end, SessionsStarted))
	assert.Equal(t, float64(s.Dropped), value(end, SessionsDropped))
	assert.Equal(t, float64(s.Completed-s.Failed-s.Aborted), value(end, Sessions, "outcome", "ok"))
	assert.Equal(t, float64(s.Failed), value(end, Sessions, "outcome", "failed"))
	assert.Equal(t, float64(s.Aborted), value(end, Sessions, "outcome", "aborted"))
	assert.Equal(t, float64(s.Completed), value(end, SessionDuration))
	require.NotEmpty(t, sum.Violations)
	var nviol float64
	for _, v := range sum.Violations {
		assert.Equal(t, float64(v.Count), value(end, Violations, "step", v.Step, "rule", v.Rule), "%s %s", v.Step, v.Rule)
		nviol += float64(v.Count)
	}
	var exported float64
	for _, m := range end[Violations].GetMetric() {
		exported += m.GetCounter().GetValue()
	}
	assert.Equal(t, nviol, exported, "violations the summary does not list")
	assert.Zero(t, value(end, InFlight))
	assert.Zero(t, value(end, TargetRate))
	var requests uint64
	for _, m := range sum.Steps {
		requests += m.Requests
	}
	t.Logf("scrape vs summary: %d requests over %d steps, %d sessions started, %d dropped, %d failed, %d violations",
		requests, len(sum.Steps), s.Started, s.Dropped, s.Failed, uint64(nviol))

	// Labels are step, outcome and rule only, and neither the apikey (in
	// any encoding) nor a client's identifier appears anywhere.
	for name, f := range end {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				assert.Contains(t, []string{"step", "outcome", "rule"}, l.GetName(), name)
			}
		}
	}
	for form, k := range keyforms.Of(testKey) {
		assert.NotContains(t, text, k, "apikey as %s", form)
	}
	for _, cl := range srv.Fixtures().Clients {
		for _, id := range []string{cl.Phone, cl.Card, cl.Code} {
			if id != "" {
				assert.NotContains(t, text, id)
			}
		}
	}
}

// A request's observation allocates nothing: its series are resolved once.
func TestRequestDoesNotAllocate(t *testing.T) {
	x := New()
	allocs := testing.AllocsPerRun(1000, func() {
		x.Request(string(api.EpRecalc), load.OutcomeOK, 3*time.Millisecond)
		x.Scheduled(true)
		x.SessionDone()
		x.Session(load.OutcomeFailed, 40*time.Millisecond)
		x.Rate(20)
	})
	assert.Zero(t, allocs)
}

// Step and rule labels take only the catalogue's values.
func TestLabelsStayInTheCatalogue(t *testing.T) {
	x := New()
	x.Request("/secret-path", load.OutcomeOK, time.Millisecond)
	x.Violation(string(api.EpHold), "not-a-rule")
	x.Violation("7920000001", "H1")
	x.Violation(string(api.EpHold), "H1")
	fams, err := x.Gatherer().Gather()
	require.NoError(t, err)
	var got []string
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				got = append(got, l.GetValue())
			}
		}
	}
	assert.NotContains(t, got, "/secret-path")
	assert.NotContains(t, got, "not-a-rule")
	assert.NotContains(t, got, "7920000001")
	assert.Contains(t, got, "H1")
}

func TestCheckAddr(t *testing.T) {
	for _, tc := range []struct {
		addr, err string
	}{
		{"127.0.0.1:9464", ""},
		{"localhost:9464", ""},
		{"[::1]:0", ""},
		{"10.1.2.3:9464", ""},
		{":9464", "give a host"},
		{"9464", "want HOST:PORT"},
		{"127.0.0.1:http", "not a number"},
		{"127.0.0.1:70000", "not a number"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			err := CheckAddr(tc.addr)
			if tc.err == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
	assert.True(t, Loopback("127.0.0.1:9464"))
	assert.True(t, Loopback("localhost:1"))
	assert.False(t, Loopback("10.1.2.3:9464"))
}

// A port in use is refused at Listen, before any run; Close frees it.
func TestListenRefusesAPortInUse(t *testing.T) {
	a, err := Listen("127.0.0.1:0", New())
	require.NoError(t, err)
	_, err = Listen(a.Addr(), New())
	require.Error(t, err)
	assert.Contains(t, err.Error(), a.Addr())
	require.NoError(t, a.Close(context.Background()))
	_, err = http.Get(fmt.Sprintf("http://%s/metrics", a.Addr()))
	assert.Error(t, err, "still serving after Close")
}
