package schemas

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/api"
)

func TestDialect2020(t *testing.T) {
	const at = "#/components/schemas/X"
	cases := []struct {
		name string
		in   string
		want map[string]any
		err  string
	}{
		{
			name: "header keywords go, data stays",
			in:   `{"$schema": "http://json-schema.org/draft-07/schema#", "$id": "urn:x", "x-rule": {"type": "G8"}, "const": {"items": [1]}, "maximum": 79201234567, "minimum": 0.5}`,
			want: map[string]any{"x-rule": map[string]any{"type": "G8"}, "const": map[string]any{"items": []any{int64(1)}}, "maximum": int64(79201234567), "minimum": 0.5},
		},
		{
			name: "definitions and local refs",
			in:   `{"definitions": {"id": {"type": "string"}}, "properties": {"a": {"$ref": "#/definitions/id"}, "self": {"$ref": "#"}, "b": {"$ref": "#/properties/a"}}}`,
			want: map[string]any{
				"$defs": map[string]any{"id": map[string]any{"type": "string"}},
				"properties": map[string]any{
					"a":    map[string]any{"$ref": at + "/$defs/id"},
					"self": map[string]any{"$ref": at},
					"b":    map[string]any{"$ref": at + "/properties/a"},
				},
			},
		},
		{
			name: "a property named like a keyword is a property",
			in:   `{"properties": {"dependencies": {"items": [true]}, "definitions": {"type": "string"}}}`,
			want: map[string]any{"properties": map[string]any{
				"dependencies": map[string]any{"prefixItems": []any{true}},
				"definitions":  map[string]any{"type": "string"},
			}},
		},
		{
			name: "dependencies split",
			in:   `{"dependencies": {"a": ["b"], "success": {"minProperties": 2}}}`,
			want: map[string]any{
				"dependentRequired": map[string]any{"a": []any{"b"}},
				"dependentSchemas":  map[string]any{"success": map[string]any{"minProperties": int64(2)}},
			},
		},
		{
			name: "tuple items",
			in:   `{"items": [{"type": "string"}], "additionalItems": false}`,
			want: map[string]any{"prefixItems": []any{map[string]any{"type": "string"}}, "items": false},
		},
		{
			name: "list items and subschemas",
			in:   `{"items": {"type": "string"}, "additionalItems": false, "anyOf": [{"$ref": "#/definitions/a"}], "if": {"not": {"$ref": "#"}}}`,
			want: map[string]any{
				"items": map[string]any{"type": "string"},
				"anyOf": []any{map[string]any{"$ref": at + "/$defs/a"}},
				"if":    map[string]any{"not": map[string]any{"$ref": at}},
			},
		},
		{name: "outside ref", in: `{"properties": {"a": {"$ref": "urn:other#/x"}}}`, err: `properties: a: $ref: "urn:other#/x" is not a reference inside the schema`},
		{name: "not an object", in: `[1]`, err: "not a schema object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := dialect2020("t.json", []byte(c.in), at)
			if c.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

// TestDialect2020WireSchemas: every wire schema converts, and the error
// body's dependencies (its one draft-07-only keyword) become dependentSchemas.
func TestDialect2020WireSchemas(t *testing.T) {
	for _, ep := range api.Endpoints() {
		for _, f := range []string{RequestFile(ep), ResponseFile(ep)} {
			s, err := Dialect2020(f, "#/x")
			require.NoError(t, err, f)
			assert.NotContains(t, s, "$schema", f)
			assert.NotContains(t, s, "$id", f)
		}
	}
	s, err := Dialect2020(ErrorFile, "#/x")
	require.NoError(t, err)
	assert.NotContains(t, s, "dependencies")
	assert.Contains(t, s, "dependentSchemas")
	_, err = Dialect2020("nope.json", "#/x")
	assert.Error(t, err)
}

func TestDecodeData(t *testing.T) {
	v, err := DecodeData([]byte(`{"a": 79201234567, "b": 1.5, "c": 1e400}`))
	assert.Error(t, err) // 1e400 is out of float64 range
	assert.Nil(t, v)
	v, err = DecodeData([]byte(`{"a": 79201234567, "b": 1.5, "c": [true, null, "x"]}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": int64(79201234567), "b": 1.5, "c": []any{true, nil, "x"}}, v)
	for _, trailing := range []string{`{} {}`, `{}}`} {
		_, err = DecodeData([]byte(trailing))
		assert.Error(t, err, trailing)
	}
}
