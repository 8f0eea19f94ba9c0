package record

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

// legacyFile reads testdata/v2.KIND.run.json, a record the loyalcheck of
// version 2 wrote, as bytes and as that loyalcheck's own types.
func legacyFile(t *testing.T, kind string) ([]byte, legacy) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "v2."+kind+".run.json"))
	require.NoError(t, err)
	var l legacy
	require.NoError(t, json.Unmarshal(b, &l))
	require.Equal(t, 2, l.Version)
	return b, l
}

func findingKeys[F any](fs []F) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		b, _ := json.Marshal(f)
		out = append(out, string(b))
	}
	sort.Strings(out)
	return out
}

// A version 2 record decodes into this version's types through the same
// conversions as a fresh run: nothing it held is lost, and the judgements
// are the engines' own over what it held.
func TestDecodeVersion2(t *testing.T) {
	for _, kind := range []string{KindAccept, KindContract, KindLoad, KindCapacity} {
		t.Run(kind, func(t *testing.T) {
			b, l := legacyFile(t, kind)
			r, err := Decode(b)
			require.NoError(t, err)
			assert.Equal(t, Version, r.Version)
			assert.Equal(t, l.Kind, r.Kind)
			assert.Equal(t, l.Verdict, r.Verdict, "the verdict stays as judged when the run was recorded")
			assert.Equal(t, l.Target, r.Target)
			require.Equal(t, l.Contract == nil, r.Contract == nil)
			require.Equal(t, l.Load == nil, r.Load == nil)
			require.Equal(t, l.Capacity == nil, r.Capacity == nil)
			assert.Len(t, r.Thresholds, len(l.Thresholds))
			if c := l.Contract; c != nil {
				assert.Equal(t, findingKeys(c.Findings), findingKeys(r.Contract.Findings()), "every finding, unchanged")
				assert.Equal(t, CountChecks(c.Findings), r.Contract.Summary)
				assert.Len(t, r.Contract.Coverage, len(api.Rules()))
			}
			if s := l.Load; s != nil {
				require.Len(t, r.Load.Steps, len(s.Steps))
				total := s.Total
				if total.Name == "" { // not stored: summed from the steps
					total = SumSteps(s.Steps, s.RequestRate)
				}
				assert.Equal(t, total.Requests, r.Load.Total.Requests)
				assert.Equal(t, s.Steps[0].Histogram, r.Load.Steps[0].Histogram)
				assert.Equal(t, s.Ledger.Broken(), r.Load.Ledger.Failed)
				assert.Equal(t, s.Session.Latency, r.Load.Session.Latency)
			}
			if c := l.Capacity; c != nil {
				assert.Equal(t, c.Ledger.Broken(), r.Capacity.Ledger.Failed)
				broken := c.Ledger.Broken()
				for _, st := range c.Steps {
					broken = broken || len(st.Violations) > 0
				}
				assert.Equal(t, broken, r.Capacity.Failed)
				assert.Equal(t, c.MaxPassing, r.Capacity.MaxPassing)
				assert.Len(t, r.Capacity.Steps, len(c.Steps))
			}
			// Written again it is a record of this version, read strictly.
			out, err := r.Encode()
			require.NoError(t, err)
			again, err := Decode(out)
			require.NoError(t, err)
			out2, err := again.Encode()
			require.NoError(t, err)
			assert.Equal(t, string(out), string(out2))
		})
	}
}

// Version 1 had no total over all steps: it is summed from the steps.
func TestDecodeVersion1(t *testing.T) {
	b, l := legacyFile(t, KindLoad)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	m["version"] = 1
	delete(m["load"].(map[string]any), "total")
	v1, err := json.Marshal(m)
	require.NoError(t, err)
	r, err := Decode(v1)
	require.NoError(t, err)
	assert.Equal(t, Version, r.Version)
	assert.Equal(t, l.Load.Total.Requests, r.Load.Total.Requests)
	assert.Equal(t, l.Load.Total.Unexpected, r.Load.Total.Unexpected)
}

// Unknown fields are refused in every version this build reads; other
// versions are refused with ErrVersion.
func TestDecodeRejects(t *testing.T) {
	v2, _ := legacyFile(t, KindLoad)
	v2c, _ := legacyFile(t, KindContract)
	r, err := Decode(v2)
	require.NoError(t, err)
	v3, err := r.Encode()
	require.NoError(t, err)
	for name, c := range map[string]struct {
		doc  []byte
		want string
	}{
		"unknown field, v3":         {[]byte(strings.Replace(string(v3), `"kind": "load",`, `"kind": "load", "x": 1,`, 1)), `unknown field "x"`},
		"unknown latency field, v3": {[]byte(strings.Replace(string(v3), `"p50_ms":`, `"p42_ms": 1, "p50_ms":`, 1)), `unknown field "p42_ms"`},
		"unknown field, v2":         {[]byte(strings.Replace(string(v2), `"kind": "load",`, `"kind": "load", "x": 1,`, 1)), `unknown field "x"`},
		"a v2 contract as v3":       {[]byte(strings.Replace(string(v2c), `"version": 2`, `"version": 3`, 1)), `unknown field "findings"`},
		"version 0":                 {[]byte(`{"version": 0, "kind": "load"}`), "record is version 0, this loyalcheck reads versions 1 to 4"},
		"version 5":                 {[]byte(`{"version": 5, "kind": "load"}`), "use a newer loyalcheck"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(c.doc)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	_, err = Decode([]byte(`{"version": 0}`))
	assert.ErrorIs(t, err, ErrVersion)
}
