package scenarios

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/schemas"
)

// The scenario schema lists the steps a flow may take: they are the API's
// endpoints, in call order, and a step's Op is one of them.
func TestStepOpsAreTheEndpoints(t *testing.T) {
	var doc struct {
		Definitions struct {
			Step struct {
				Properties struct {
					Op struct {
						Enum []api.Endpoint `json:"enum"`
					} `json:"op"`
				} `json:"properties"`
			} `json:"step"`
		} `json:"definitions"`
	}
	found := false
	for _, f := range schemas.Files() {
		if f.Name == schemas.ScenarioFile {
			require.NoError(t, json.Unmarshal(f.Data, &doc))
			found = true
		}
	}
	require.True(t, found, schemas.ScenarioFile)
	assert.Equal(t, api.Endpoints(), doc.Definitions.Step.Properties.Op.Enum)
}

func TestBuiltInScenariosValidate(t *testing.T) {
	list, err := BuiltIn()
	require.NoError(t, err)
	names := map[string]bool{}
	for _, info := range list {
		names[info.Name] = true
		assert.NotEmpty(t, info.Description, info.Name)
		s, err := Load(info.Name)
		require.NoError(t, err, info.Name)
		assert.Equal(t, info.Name, s.Name)
		assert.NotEmpty(t, s.SLO, "%s: built-ins carry thresholds", info.Name)
	}
	for _, want := range []string{"checkout", "hold-contention", "read-only", "ramp"} {
		assert.True(t, names[want], want)
	}
}

func TestReadOnlyOnlyReads(t *testing.T) {
	s, err := Load("read-only")
	require.NoError(t, err)
	for _, f := range s.Flows {
		for _, st := range f.Steps {
			assert.False(t, st.Op.Writes(), "%s writes", st.Op)
		}
	}
}

func TestParseErrorsPointAtTheTypo(t *testing.T) {
	base := `
load:
  rate: 10/1s
  duration: 5s
flows:
  - name: a
    weight: 1
    steps:
      - op: search
`
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"unknown op", base + "      - op: retial\n", "line 10: flows.0.steps.1.op"},
		{"misspelt key", base + "      - op: retail\n        spnd: max\n", "line 11: flows.0.steps.1.spnd"},
		{"bad rate", "load:\n  rate: fast\n  duration: 5s\nflows: []\n", "line 2: load.rate"},
		{"missing load", "flows:\n  - name: a\n    weight: 1\n    steps: [{op: search}]\n", "load"},
		{"release without hold", base + "      - op: release\n", "release needs a hold step"},
		{"first step not search", "load: {rate: 1/s, duration: 1s}\nflows: [{name: a, weight: 1, steps: [{op: recalc}]}]\n", "first step must be search"},
		{"spend without recalc", base + "      - op: retail\n        spend: max\n", "needs a recalc step"},
		{"linear without ramp_to", "load: {pacer: linear, rate: 1/s, duration: 1s}\nflows: [{name: a, weight: 1, steps: [{op: search}]}]\n", "load.ramp_to"},
		{"hot without share", "load: {rate: 1/s, duration: 1s}\nclients: {pick: hot, hot: 2}\nflows: [{name: a, weight: 1, steps: [{op: search}]}]\n", "hot_share"},
		{"duplicate key", "load: {rate: 1/s, duration: 1s}\nload: {rate: 2/s, duration: 1s}\n", "duplicate key"},
		{"not yaml", "load: [unclosed\n", "scenario x.yaml"},
		{"alias bomb", aliasBomb, "more than 10000 values (aliases expanded)"},
		{"hold over 30 minutes", base + "      - op: recalc\n      - op: hold\n        hold: max\n        duration: 45\n", "duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), "x.yaml")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// aliasBomb expands to 9^7 values: without a bound on the expansion it
// takes a minute and gigabytes to refuse (the fuzzer found it).
const aliasBomb = `a: &a [x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
`

func TestLoadFromFileAndDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mine.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
load: {rate: 5/s, duration: 2s}
flows:
  - name: buy
    weight: 1
    steps: [{op: search}, {op: recalc}, {op: retail}]
`), 0o644))
	s, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, "mine", s.Name)
	assert.Equal(t, "constant", s.Load.Pacer)
	assert.Equal(t, SpendNone, s.Flows[0].Steps[2].Spend)
	assert.Equal(t, PickUniform, s.Clients.Pick)
	assert.Equal(t, "lognormal", s.Receipt.Dist)
	assert.Equal(t, Duration(2*time.Second), s.Load.Duration)

	_, err = Load("no-such-scenario")
	assert.ErrorContains(t, err, "no such built-in scenario (want checkout, hold-contention, ramp, read-only)")
	_, err = Load(filepath.Join(t.TempDir(), "missing.yaml"))
	assert.Error(t, err)
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]Rate{
		"50/1s": {50, time.Second}, "50/s": {50, time.Second}, "50": {50, time.Second},
		"5/100ms": {5, 100 * time.Millisecond}, "120/m": {120, time.Minute},
	} {
		got, err := ParseRate(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "0/s", "-1/s", "x/s", "5/xs", "5/0s", "1.5/s"} {
		_, err := ParseRate(bad)
		assert.Error(t, err, bad)
	}
	assert.InDelta(t, 2.0, Rate{120, time.Minute}.PerSecond(), 1e-9)
}

func TestDistSample(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 1000; i++ {
		v := Dist{Dist: "lognormal", Median: 1500, Sigma: 0.8, Min: 50, Max: 50000}.Sample(r)
		assert.GreaterOrEqual(t, v, 50.0)
		assert.LessOrEqual(t, v, 50000.0)
		u := Dist{Dist: "uniform", Min: 10, Max: 20}.Sample(r)
		assert.GreaterOrEqual(t, u, 10.0)
		assert.LessOrEqual(t, u, 20.0)
	}
	assert.Equal(t, 99.99, Dist{Dist: "fixed", Value: 99.991}.Sample(r))
	th := &Think{Min: Duration(10 * time.Millisecond), Max: Duration(20 * time.Millisecond)}
	for i := 0; i < 100; i++ {
		d := th.Sample(r)
		assert.True(t, d >= 10*time.Millisecond && d < 20*time.Millisecond)
	}
	assert.Zero(t, (*Think)(nil).Sample(r))
}
