package main

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/load/promexport"
)

// Every command that runs load takes --metrics-addr from the shared load
// flags, and refuses alike, in one line and before anything runs, an
// address without a host and a port in use.
func TestMetricsAddrRefused(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	for _, cmd := range []string{"load", "accept", "capacity"} {
		for _, tc := range []struct{ addr, want string }{
			{":9464", "give a host"},
			{"127.0.0.1", "want HOST:PORT"},
			{busy.Addr().String(), "address already in use"},
		} {
			code, out, errs := cliRun(t, nil, cmd, "--slo", "p99(session)<1s", "--metrics-addr", tc.addr, "--out", t.TempDir())
			assert.Equal(t, exitUsage, code, "%s %s: %s", cmd, tc.addr, out)
			assert.Contains(t, errs, "--metrics-addr", cmd)
			assert.Contains(t, errs, tc.want, cmd)
			assert.Equal(t, 1, strings.Count(errs, "\n"), "%s: one line, before the target is touched: %q", cmd, errs)
		}
	}
}

// A load run serves its metrics while it runs and stops serving when it
// ends; what a scrape saw mid-run is within the run record's counts.
func TestMetricsServedDuringALoadRun(t *testing.T) {
	free, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := free.Addr().String()
	require.NoError(t, free.Close())
	url := "http://" + addr + "/metrics"

	dir, scenario := t.TempDir(), relaxedCheckout(t)
	type result struct {
		code      int
		out, errs string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errs := cliRun(t, nil, "load", "--scenario", scenario, "--rate", "10/s", "--duration", "2s",
			"--metrics-addr", addr, "--out", dir)
		done <- result{code, out, errs}
	}()
	var live map[string]*dto.MetricFamily
	var res result
poll:
	for {
		select {
		case res = <-done:
			break poll
		case <-time.After(25 * time.Millisecond):
		}
		if fams, ok := scrapeOnce(url); ok && metricValue(fams, promexport.TargetRate) > 0 {
			live = fams
		}
	}
	require.Equal(t, exitOK, res.code, "stdout:\n%s\nstderr:\n%s", res.out, res.errs)
	assert.Contains(t, res.errs, "metrics: "+url+" (this machine only) until the run ends")
	require.NotNil(t, live, "no scrape while sessions were being started")
	assert.Equal(t, 10.0, metricValue(live, promexport.TargetRate))

	var rec struct {
		Load struct {
			Sessions struct{ Started uint64 }
			Steps    []struct{ Requests uint64 }
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "run.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rec))
	var requests uint64
	for _, s := range rec.Load.Steps {
		requests += s.Requests
	}
	started := metricValue(live, promexport.SessionsStarted)
	assert.Greater(t, started, 0.0)
	assert.LessOrEqual(t, started, float64(rec.Load.Sessions.Started))
	assert.LessOrEqual(t, metricValue(live, promexport.Requests), float64(requests))

	// The run is over: the port is free again.
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err, "metrics still served after the run")
	ln.Close()
}

func scrapeOnce(url string) (map[string]*dto.MetricFamily, bool) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	return fams, err == nil && resp.StatusCode == http.StatusOK
}

// metricValue sums a counter's or gauge's series.
func metricValue(fams map[string]*dto.MetricFamily, name string) float64 {
	var v float64
	for _, m := range fams[name].GetMetric() {
		v += m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	return v
}
