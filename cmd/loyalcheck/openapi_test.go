package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// repoFile is a path from the repository's root.
func repoFile(parts ...string) string {
	return filepath.Join(append([]string{"..", ".."}, parts...)...)
}

// TestOpenAPIDocIsCurrent keeps the committed docs/openapi.yaml equal to
// what 'loyalcheck schemas --openapi' writes. After changing a schema, an
// endpoint, a rule or the sandbox's answers: make docs.
func TestOpenAPIDocIsCurrent(t *testing.T) {
	code, out, errOut := cliRun(t, nil, "schemas", "--openapi")
	require.Equal(t, exitOK, code, errOut)
	committed, err := os.ReadFile(repoFile("docs", "openapi.yaml"))
	require.NoError(t, err, "docs/openapi.yaml is missing: run 'make docs'")
	assert.Equal(t, string(committed), out, "docs/openapi.yaml is stale: run 'make docs'")
}

func TestSchemasOpenAPIOutputs(t *testing.T) {
	dir := t.TempDir()
	yamlFile, jsonFile := filepath.Join(dir, "o.yaml"), filepath.Join(dir, "o.json")
	code, _, errOut := cliRun(t, nil, "schemas", "--openapi", "--out", yamlFile)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, errOut, "wrote "+yamlFile)
	code, _, errOut = cliRun(t, nil, "schemas", "--openapi", "--json", "--out", jsonFile)
	require.Equal(t, exitOK, code, errOut)

	var fromYAML, fromJSON map[string]any
	y, err := os.ReadFile(yamlFile)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(y, &fromYAML))
	j, err := os.ReadFile(jsonFile)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(j, &fromJSON))
	assert.Equal(t, "3.1.0", fromJSON["openapi"])
	assert.Equal(t, fromJSON["openapi"], fromYAML["openapi"])
	assert.Len(t, fromJSON["paths"], 5)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"schemas", "--json"}, "--json needs --openapi"},
		{[]string{"schemas", "--openapi", "--out", filepath.Join(dir, "no", "such", "dir", "o.yaml")}, "no such file or directory"},
		{[]string{"schemas", "--openapi", "extra"}, `unexpected argument "extra"`},
	} {
		code, out, errOut := cliRun(t, nil, c.args...)
		assert.Equal(t, exitUsage, code, c.args)
		assert.Empty(t, out, c.args)
		assert.Contains(t, errOut, c.want, c.args)
	}
}
