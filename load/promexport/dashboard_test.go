package promexport

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
	"loyalcheck/load"
)

const dashboardFile = "../../docs/grafana-dashboard.json"

// metricName is a metric a PromQL expression reads: loyalcheck's own, the
// only ones the dashboard may query.
var metricName = regexp.MustCompile(`\bloyalcheck_[a-zA-Z0-9_]+`)

// exprs collects every "expr" string anywhere in the dashboard (panel
// targets, rows' nested panels, template queries).
func exprs(v any, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "expr" {
				*out = append(*out, s)
				continue
			}
			exprs(x, out)
		}
	case []any:
		for _, x := range v {
			exprs(x, out)
		}
	}
}

// family maps a histogram's series name to its family.
func family(name string) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && strings.HasSuffix(base, "_seconds") {
			return base
		}
	}
	return name
}

// Every metric the sample dashboard queries is one the exporter has, and
// every metric the exporter has is on the dashboard.
func TestDashboardQueriesExistingMetrics(t *testing.T) {
	b, err := os.ReadFile(dashboardFile)
	require.NoError(t, err)
	var dash any
	require.NoError(t, json.Unmarshal(b, &dash))
	var qs []string
	exprs(dash, &qs)
	require.NotEmpty(t, qs)

	// One observation of each kind, so that every family is gathered
	// (a vector with no series is not).
	x := New()
	x.Rate(1)
	x.Scheduled(true)
	x.Scheduled(false)
	x.Request(string(api.EpRecalc), load.OutcomeOK, time.Millisecond)
	x.Session(load.OutcomeOK, time.Millisecond)
	x.Violation(string(api.EpRecalc), "RT1")
	fams, err := x.Gatherer().Gather()
	require.NoError(t, err)
	have := map[string]bool{}
	for _, f := range fams {
		have[f.GetName()] = true
	}

	queried := map[string]bool{}
	for _, q := range qs {
		names := metricName.FindAllString(q, -1)
		assert.NotEmpty(t, names, "a query of no loyalcheck metric: %s", q)
		for _, n := range names {
			queried[family(n)] = true
			assert.True(t, have[family(n)], "the dashboard queries %s, which no run exports: %s", n, q)
		}
	}
	var missing []string
	for n := range have {
		if !queried[n] {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "exported but on no panel of the dashboard")
}
