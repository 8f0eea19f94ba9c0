package openapi

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"loyalcheck/api"
	"loyalcheck/schemas"
)

// TestBuildIsStable: two generations give the same bytes (the sandbox's
// random hold id and the clock do not leak into the document), so the
// committed docs/openapi.yaml can be compared with a fresh one.
func TestBuildIsStable(t *testing.T) {
	var outs [2][]byte
	for i := range outs {
		doc, err := Build(context.Background())
		require.NoError(t, err)
		outs[i], err = doc.YAML()
		require.NoError(t, err)
	}
	assert.Equal(t, string(outs[0]), string(outs[1]))
	assert.Contains(t, string(outs[0]), exampleHoldID)
}

// TestYAMLAndJSONAgree: both encodings hold the same document.
func TestYAMLAndJSONAgree(t *testing.T) {
	doc, err := Build(context.Background())
	require.NoError(t, err)
	y, err := doc.YAML()
	require.NoError(t, err)
	j, err := doc.JSON()
	require.NoError(t, err)
	var fromYAML, fromJSON any
	require.NoError(t, yaml.Unmarshal(y, &fromYAML))
	require.NoError(t, json.Unmarshal(j, &fromJSON))
	// Normalise the YAML side's numbers and maps through JSON.
	b, err := json.Marshal(fromYAML)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &fromYAML))
	assert.Equal(t, fromJSON, fromYAML)
}

// opDoc is the part of an operation the tests read.
type opDoc struct {
	OperationID string   `json:"operationId"`
	Rules       []string `json:"x-rules"`
	RequestBody struct {
		Content map[string]struct {
			Schema  map[string]string `json:"schema"`
			Example json.RawMessage   `json:"example"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]struct {
			Schema   map[string]string `json:"schema"`
			Example  json.RawMessage   `json:"example"`
			Examples map[string]struct {
				Value json.RawMessage `json:"value"`
			} `json:"examples"`
		} `json:"content"`
	} `json:"responses"`
}

func operations(t *testing.T) (map[string]map[string]opDoc, map[string]any) {
	t.Helper()
	doc, err := Build(context.Background())
	require.NoError(t, err)
	j, err := doc.JSON()
	require.NoError(t, err)
	var d struct {
		Paths      map[string]map[string]opDoc `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(j, &d))
	return d.Paths, d.Components.Schemas
}

// TestOperationsFollowEndpoints: one POST per endpoint at its path, the
// request, 200 and 422 bodies referring to the components of that
// endpoint's schemas, and every component used.
func TestOperationsFollowEndpoints(t *testing.T) {
	paths, comps := operations(t)
	require.Len(t, paths, len(api.Endpoints()))
	used := map[string]bool{}
	for _, ep := range api.Endpoints() {
		item := paths[ep.Path()]
		require.Len(t, item, 1, ep)
		op, ok := item["post"]
		require.True(t, ok, "%s: no POST", ep)
		assert.Equal(t, string(ep), op.OperationID)
		refs := map[string]string{
			"request": op.RequestBody.Content[jsonType].Schema["$ref"],
			"200":     op.Responses["200"].Content[jsonType].Schema["$ref"],
			"422":     op.Responses["422"].Content[jsonType].Schema["$ref"],
		}
		assert.Equal(t, componentsAt+componentName(ep, "Request"), refs["request"], ep)
		assert.Equal(t, componentsAt+componentName(ep, "Response"), refs["200"], ep)
		assert.Equal(t, componentsAt+errorComponent, refs["422"], ep)
		for _, r := range refs {
			used[r[len(componentsAt):]] = true
		}
	}
	for name := range comps {
		assert.True(t, used[name], "component %s is not used", name)
	}
}

// TestExamplesPassTheValidator: every example is judged valid by the
// validator loyalcheck checks targets with; the 422 examples by the
// error-body schema.
func TestExamplesPassTheValidator(t *testing.T) {
	v, err := schemas.New()
	require.NoError(t, err)
	paths, _ := operations(t)
	for _, ep := range api.Endpoints() {
		op := paths[ep.Path()]["post"]
		req := op.RequestBody.Content[jsonType].Example
		require.NotEmpty(t, req, ep)
		assert.Empty(t, v.Request(ep, req), "%s request example %s", ep, req)
		ok := op.Responses["200"].Content[jsonType].Example
		require.NotEmpty(t, ok, ep)
		assert.Empty(t, v.Response(ep, http.StatusOK, ok), "%s 200 example %s", ep, ok)
		refused := op.Responses["422"].Content[jsonType].Examples["refused"].Value
		require.NotEmpty(t, refused, ep)
		assert.Empty(t, v.Response(ep, http.StatusUnprocessableEntity, refused), "%s 422 example %s", ep, refused)
	}
}

// TestOperationRules: each operation lists the general rules, its own
// area's and those its schemas name; none of another endpoint's area.
func TestOperationRules(t *testing.T) {
	paths, _ := operations(t)
	for _, ep := range api.Endpoints() {
		ids := paths[ep.Path()]["post"].Rules
		has := map[string]bool{}
		for _, id := range ids {
			r, ok := api.RuleByID(id)
			require.True(t, ok, "%s: unknown rule %s", ep, id)
			has[r.ID] = true
		}
		for _, r := range api.Rules() {
			switch {
			case r.Area == api.AreaGeneral, r.Area == string(ep):
				assert.True(t, has[r.ID], "%s lacks %s", ep, r.ID)
			case r.Area != api.AreaBadInput && r.Area != api.AreaLedger && r.ID != "S4" && r.ID != "H7":
				// S4 (listed holds) is named by recalc's schema, H7 by release's.
				assert.False(t, has[r.ID], "%s lists %s of area %s", ep, r.ID, r.Area)
			}
		}
	}
	assert.Contains(t, paths[api.EpRelease.Path()]["post"].Rules, "H7")
	assert.Contains(t, paths[api.EpRetail.Path()]["post"].Rules, "B2")
}

func TestCollectRuleIDs(t *testing.T) {
	got := map[string]bool{}
	collectRuleIDs(map[string]any{
		"x-rule":      map[string]any{"type": "G8", "minimum": "S7"},
		"description": "spend (RT8, B2); a phone 7920XXXXXXX; not a rule: X99, G99",
		"enum":        []any{"cashback", "H3"},
	}, got)
	assert.Equal(t, map[string]bool{"G8": true, "S7": true, "RT8": true, "B2": true, "H3": true}, got)
}
