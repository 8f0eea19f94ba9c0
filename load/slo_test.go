package load

import (
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestParseThreshold(t *testing.T) {
	tests := []struct {
		expr  string
		want  Threshold
		error string
	}{
		{expr: "p99(retail)<300ms", want: Threshold{Metric: "p99", Step: "retail", Op: "<", Limit: 300e6, Unit: "ns"}},
		{expr: " p99.9(session) < 1s ", want: Threshold{Metric: "p99.9", Step: "session", Op: "<", Limit: 1e9, Unit: "ns"}},
		{expr: "errors<0.1%", want: Threshold{Metric: "errors", Op: "<", Limit: 0.001, Unit: "%"}},
		{expr: "violations==0", want: Threshold{Metric: "violations", Op: "==", Limit: 0}},
		{expr: "success(retail)>=99.5%", want: Threshold{Metric: "success", Step: "retail", Op: ">=", Limit: 0.995, Unit: "%"}},
		{expr: "throughput(search)>10/s", want: Threshold{Metric: "throughput", Step: "search", Op: ">", Limit: 10, Unit: "/s"}},
		{expr: "mean<20ms", want: Threshold{Metric: "mean", Op: "<", Limit: 20e6, Unit: "ns"}},
		{expr: "dropped==0", want: Threshold{Metric: "dropped", Op: "==", Limit: 0}},
		{expr: "p99(retal)<300ms", error: `unknown step "retal"`},
		{expr: "p75<300ms", error: `percentile "p75" is not measured`},
		{expr: "latency<3", error: `unknown metric "latency"`},
		{expr: "p99<300parsecs", error: `latency unit "parsecs"`},
		{expr: "p99<<3ms", error: `bad value "<3ms"`},
		{expr: "p99 300ms", error: "want METRIC[(STEP)] OP VALUE"},
		{expr: "success>99", error: "success is a share"},
		{expr: "dropped(retail)==0", error: "takes no step"},
		{expr: "rate>5/min", error: `rate unit "/min"`},
		// Impossible or vacuous thresholds are refused, not run.
		{expr: "errors<150%", error: "a share is at most 100%, not 150%"},
		{expr: "success(retail)>=100.5%", error: "a share is at most 100%"},
		{expr: "dropped<101%", error: "a share is at most 100%"},
		{expr: "p99(retail)<-5ms", error: "p99 cannot be negative"},
		{expr: "throughput>-1/s", error: "throughput cannot be negative"},
		{expr: "mean<0ms", error: "can never hold"},
		{expr: "errors<0", error: "can never hold"},
		{expr: "errors>=0", error: "always holds"},
		{expr: "success>100%", error: "can never hold"},
		{expr: "errors<=100%", error: "always holds"},
		{expr: "violations(session)==0", error: "counted per request"},
		{expr: "errors<=0", want: Threshold{Metric: "errors", Op: "<=", Limit: 0}},
		{expr: "success>=100%", want: Threshold{Metric: "success", Op: ">=", Limit: 1, Unit: "%"}},
		{expr: "errors<1" + strings.Repeat("0", 400), error: "out of range"}, // was an infinite limit
		{expr: "max<300000000000s", error: "latency 300000000000s is out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, err := ParseThreshold(tt.expr)
			if tt.error != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.error)
				return
			}
			require.NoError(t, err)
			tt.want.Expr = got.Expr
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseThresholdsDedupes(t *testing.T) {
	ts, err := ParseThresholds([]string{"errors<1%", "errors < 1%", "violations==0"})
	require.NoError(t, err)
	assert.Len(t, ts, 2)
}

func TestThresholdEvaluate(t *testing.T) {
	s := &Summary{
		AchievedRate: 19.5,
		Sessions:     Sessions{Scheduled: 100, Dropped: 2},
		Steps: []StepMetrics{
			{Name: "search", Requests: 1000, OK: 990, Unexpected: 10, Success: 0.99, Violations: 1, Throughput: 50, Latency: Latency{P99: 40 * time.Millisecond, Mean: 5 * time.Millisecond}},
			{Name: "retail", Requests: 1000, OK: 1000, Success: 1, Latency: Latency{P99: 250 * time.Millisecond, P999: 900 * time.Millisecond}},
		},
		Session: StepMetrics{Name: "session", Requests: 100, OK: 100, Latency: Latency{P99: 600 * time.Millisecond, P999: 1200 * time.Millisecond, Max: 2 * time.Second}},
	}
	tests := []struct {
		expr     string
		pass     bool
		measured string
	}{
		{"p99(retail)<300ms", true, "250ms"},
		{"p99(retail)<200ms", false, "250ms"},
		{"p99.9(session)<1s", false, "1.2s"},
		{"p99<700ms", true, "600ms"}, // no step: sessions
		{"max<=2s", true, "2s"},
		{"errors<0.1%", false, "0.5%"},
		{"errors<1%", true, "0.5%"},
		{"errors==10", true, "10"},
		{"errors(retail)==0", true, "0"},
		{"violations==0", false, "1"},
		{"violations(retail)==0", true, "0"},
		{"success(search)>=99%", true, "99%"},
		{"dropped==0", false, "2"},
		{"dropped<5%", true, "2%"},
		{"rate>=19/s", true, "19.5/s"},
		{"throughput(search)>60/s", false, "50.0/s"},
		{"p99(hold)<1s", false, ""},
	}
	for _, tt := range tests {
		th, err := ParseThreshold(tt.expr)
		require.NoError(t, err, tt.expr)
		r := Evaluate(th, s)
		assert.Equal(t, tt.pass, r.Pass, tt.expr)
		if tt.measured != "" {
			assert.Equal(t, tt.measured, r.MeasuredText, tt.expr)
		} else {
			assert.NotEmpty(t, r.Note, tt.expr)
		}
	}
}

// figures are what a set of results must measure, computed here from the
// results themselves, apart from the collector.
type figures struct {
	lat                    []time.Duration
	good, unexpected, viol uint64
	first, last, end       time.Time
}

func (f *figures) add(ts time.Time, lat time.Duration, out outcome, viol int) {
	f.lat = append(f.lat, lat)
	if out == outcomeUnexpected {
		f.unexpected++
	} else {
		f.good++
	}
	f.viol += uint64(viol)
	if f.first.IsZero() || ts.Before(f.first) {
		f.first = ts
	}
	if ts.After(f.last) {
		f.last = ts
	}
	if e := ts.Add(lat); e.After(f.end) {
		f.end = e
	}
}

func (f *figures) n() float64 { return float64(len(f.lat)) }

// latency returns a latency metric: mean, max, or pNN at the rank an HDR
// histogram takes, q×n rounded.
func (f *figures) latency(metric string) float64 {
	xs := append([]time.Duration{}, f.lat...)
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	switch metric {
	case "max":
		return float64(xs[len(xs)-1])
	case "mean":
		var sum time.Duration
		for _, x := range xs {
			sum += x
		}
		return float64(sum / time.Duration(len(xs)))
	}
	q, _ := strconv.ParseFloat(metric[1:], 64)
	return float64(xs[rank(q/100, len(xs))-1])
}

// As vegeta computes them: over the span of the results' start times, and
// for throughput the wait for the last answer too.
func (f *figures) rate() float64 { return f.n() / f.last.Sub(f.first).Seconds() }
func (f *figures) throughput() float64 {
	return float64(f.good) / (f.last.Sub(f.first) + f.end.Sub(f.last)).Seconds()
}

// TestThresholdEveryMetricAndStep feeds the collector results with chosen
// figures, then measures every metric bare and on every step, and compares
// each with the figure computed from the results here. A bare metric
// measures sessions (latency, rate), all requests together (errors,
// success, violations, throughput) or sessions (dropped).
func TestThresholdEveryMetricAndStep(t *testing.T) {
	t0 := time.Unix(1_000_000_000, 0)
	const duration = 10 * time.Second
	c := newCollector(&engine{pool: &clientPool{}}, &config{}, 3, duration)
	c.began.Store(t0.UnixNano())
	want := map[string]*figures{"": {}, sessionAttack: {}}
	steps := []string{"search", "recalc", "hold", "release", "retail"}
	for k, name := range steps {
		want[name] = &figures{}
		for j := range 10 + 5*k {
			ts := t0.Add(time.Duration(j*(k+1)*37) * time.Millisecond)
			lat := time.Duration((j%7+1)*(k+2)) * time.Millisecond
			code, out, viol := uint16(200), outcomeOK, 0
			switch {
			case j < k:
				code, out = 500, outcomeUnexpected
			case j < 2*k:
				code, out = 422, outcomeRefused
			case j < 2*k+k%2:
				out, viol = outcomeUnexpected, 1 // a 200 with a wrong body
			}
			r := &record{res: vegeta.Result{Attack: name, Seq: uint64(j), Code: code, Timestamp: ts, Latency: lat}, outcome: out}
			for range viol {
				r.violations = append(r.violations, violation{Rule: "S6", Detail: "client.photo: wrong type"})
			}
			c.add(r)
			want[name].add(ts, lat, out, viol)
			want[""].add(ts, lat, out, viol)
		}
	}
	for j := range 30 {
		ts := t0.Add(time.Duration(j) * 300 * time.Millisecond)
		lat := time.Duration(40+j*j) * time.Millisecond
		out := outcomeOK
		if j%10 == 3 {
			out = outcomeUnexpected
		}
		c.add(&record{res: vegeta.Result{Attack: sessionAttack, Seq: uint64(j), Code: 200, Timestamp: ts, Latency: lat}, outcome: out})
		want[sessionAttack].add(ts, lat, out, 0)
	}
	sum := &Summary{Sessions: Sessions{Scheduled: 32, Started: 30, Dropped: 2}}
	c.fill(sum)

	type metric struct {
		name, unit string
		measure    func(f *figures) float64
	}
	metrics := []metric{
		{"p50", "ms", nil}, {"p90", "ms", nil}, {"p95", "ms", nil}, {"p99", "ms", nil}, {"p99.9", "ms", nil},
		{"mean", "ms", nil}, {"max", "ms", nil},
		{"errors", "", func(f *figures) float64 { return float64(f.unexpected) }},
		{"errors", "%", func(f *figures) float64 { return float64(f.unexpected) / f.n() }},
		{"success", "%", func(f *figures) float64 { return float64(f.good) / f.n() }},
		{"violations", "", func(f *figures) float64 { return float64(f.viol) }},
		{"violations", "%", func(f *figures) float64 { return float64(f.viol) / f.n() }},
		{"dropped", "", func(*figures) float64 { return 2 }},
		{"dropped", "%", func(*figures) float64 { return 2.0 / 32 }},
		{"rate", "/s", (*figures).rate},
		{"throughput", "/s", (*figures).throughput},
	}
	for _, m := range metrics {
		for _, step := range append([]string{"", sessionAttack}, steps...) {
			expr := m.name
			if step != "" {
				expr += "(" + step + ")"
			}
			// No figure here is 12.345 of anything: every threshold holds.
			expr += "!=12.345" + m.unit
			t.Run(expr, func(t *testing.T) {
				th, err := ParseThreshold(expr)
				switch {
				case m.name == "dropped" && step != "":
					assert.ErrorContains(t, err, "takes no step")
					return
				case m.name == "violations" && step == sessionAttack:
					assert.ErrorContains(t, err, "counted per request")
					return
				}
				require.NoError(t, err)
				f := want[step]
				var exp float64
				switch {
				case m.measure == nil && step == "":
					exp = want[sessionAttack].latency(m.name)
				case m.measure == nil:
					exp = f.latency(m.name)
				case m.name == "rate" && step == "":
					exp = 30 / duration.Seconds() // session starts achieved
				default:
					exp = m.measure(f)
				}
				r := Evaluate(th, sum)
				require.Empty(t, r.Note)
				require.NotEmpty(t, r.MeasuredText)
				if m.measure == nil {
					// HDR histograms keep 3 significant digits.
					assert.InEpsilon(t, exp, r.Measured, 1e-3, "measured %s", r.MeasuredText)
				} else {
					assert.InDelta(t, exp, r.Measured, 1e-9*max(1, exp), "measured %s", r.MeasuredText)
				}
				assert.True(t, r.Pass)
			})
		}
	}
}

// rank is the 1-based rank of quantile q among n samples as an HDR
// histogram takes it: q×n rounded half up, within [1, n].
func rank(q float64, n int) int {
	return min(max(int(q*float64(n)+0.5), 1), n)
}

// TestParseMetric: the METRIC[(STEP)] part alone, with the rules of a
// whole threshold.
func TestParseMetric(t *testing.T) {
	for _, tt := range []struct {
		expr, metric, step, error string
	}{
		{expr: "p99(retail)", metric: "p99", step: "retail"},
		{expr: " p99.9 ( session ) ", metric: "p99.9", step: "session"},
		{expr: "errors", metric: "errors"},
		{expr: "p75(retail)", error: `percentile "p75" is not measured`},
		{expr: "p99(retal)", error: `unknown step "retal"`},
		{expr: "latency", error: `unknown metric "latency"`},
		{expr: "dropped(retail)", error: "takes no step"},
		{expr: "violations(session)", error: "counted per request"},
		{expr: "p99<3ms", error: "want METRIC[(STEP)]"},
		{expr: "", error: "want METRIC[(STEP)]"},
	} {
		t.Run(tt.expr, func(t *testing.T) {
			metric, step, err := ParseMetric(tt.expr)
			if tt.error != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.error)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, [2]string{tt.metric, tt.step}, [2]string{metric, step})
		})
	}
}
