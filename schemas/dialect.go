package schemas

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Dialect2020 returns the embedded schema file name rewritten in JSON
// Schema 2020-12, the dialect of OpenAPI 3.1, to be placed at the JSON
// pointer at (e.g. "#/components/schemas/Error"). The embedded draft-07
// files stay the one source; this is a translation of the keywords the two
// drafts spell differently, not a second copy:
//
//   - $schema and $id go: the document declares the dialect, and an $id
//     would make every $ref inside resolve against the urn instead of the
//     document;
//   - definitions becomes $defs, and local $refs ("#", "#/definitions/x")
//     are rewritten to point below at;
//   - dependencies splits into dependentRequired (arrays of names) and
//     dependentSchemas (subschemas);
//   - an items array becomes prefixItems, and additionalItems then items.
//
// A $ref to anything outside the document is an error: it could not be
// resolved from the OpenAPI document. Numbers keep their JSON spelling
// (integers stay integers).
func Dialect2020(name, at string) (map[string]any, error) {
	data, err := embedded.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("schemas: no embedded schema %q", name)
	}
	return dialect2020(name, data, at)
}

func dialect2020(name string, data []byte, at string) (map[string]any, error) {
	doc, err := DecodeData(data)
	if err != nil {
		return nil, fmt.Errorf("schemas: %s: %w", name, err)
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("schemas: %s: not a schema object", name)
	}
	delete(root, "$schema")
	delete(root, "$id")
	out, err := convert(root, at)
	if err != nil {
		return nil, fmt.Errorf("schemas: %s: %w", name, err)
	}
	return out.(map[string]any), nil
}

// Where draft-07 keeps subschemas, by the shape of the keyword's value.
var (
	oneSchemaKeys  = keySet("not if then else additionalProperties contains propertyNames")
	schemaMapKeys  = keySet("properties patternProperties definitions")
	schemaListKeys = keySet("allOf anyOf oneOf")
)

func keySet(s string) map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields(s) {
		m[k] = true
	}
	return m
}

// convert rewrites one schema (an object or a boolean) and what it holds.
// Values of const, enum, default and examples are data, left as they are
// except for their numbers.
func convert(v any, at string) (any, error) {
	s, ok := v.(map[string]any)
	if !ok {
		return v, nil // true/false schemas (data was made plain by DecodeData)
	}
	out := make(map[string]any, len(s))
	for k, val := range s {
		var err error
		switch {
		case k == "$ref":
			out[k], err = rewriteRef(val, at)
		case oneSchemaKeys[k]:
			out[k], err = convert(val, at)
		case schemaMapKeys[k]:
			name := k
			if k == "definitions" {
				name = "$defs"
			}
			out[name], err = convertMap(val, at)
		case schemaListKeys[k]:
			out[k], err = convertList(val, at)
		case k == "items":
			if _, tuple := val.([]any); tuple {
				out["prefixItems"], err = convertList(val, at)
			} else {
				out["items"], err = convert(val, at)
			}
		case k == "additionalItems":
			continue // placed once items is known, below
		case k == "dependencies":
			err = splitDependencies(val, at, out)
		default:
			out[k] = val
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	if extra, ok := s["additionalItems"]; ok {
		if _, tuple := s["items"].([]any); tuple {
			conv, err := convert(extra, at)
			if err != nil {
				return nil, fmt.Errorf("additionalItems: %w", err)
			}
			out["items"] = conv
		}
		// Without an items array draft-07 ignores additionalItems; so does 2020-12.
	}
	return out, nil
}

func convertMap(v any, at string) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not an object")
	}
	out := make(map[string]any, len(m))
	for k, sub := range m {
		c, err := convert(sub, at)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = c
	}
	return out, nil
}

func convertList(v any, at string) ([]any, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("not an array")
	}
	out := make([]any, len(l))
	for i, sub := range l {
		c, err := convert(sub, at)
		if err != nil {
			return nil, fmt.Errorf("%d: %w", i, err)
		}
		out[i] = c
	}
	return out, nil
}

func splitDependencies(v any, at string, out map[string]any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("not an object")
	}
	req, sch := map[string]any{}, map[string]any{}
	for k, dep := range m {
		if names, ok := dep.([]any); ok {
			req[k] = names
			continue
		}
		c, err := convert(dep, at)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		sch[k] = c
	}
	if len(req) > 0 {
		out["dependentRequired"] = req
	}
	if len(sch) > 0 {
		out["dependentSchemas"] = sch
	}
	return nil
}

// rewriteRef points a local reference at the schema's place in the
// OpenAPI document.
func rewriteRef(v any, at string) (string, error) {
	ref, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("not a string")
	}
	switch {
	case ref == "#":
		return at, nil
	case strings.HasPrefix(ref, "#/definitions/"):
		return at + "/$defs/" + strings.TrimPrefix(ref, "#/definitions/"), nil
	case strings.HasPrefix(ref, "#/"):
		return at + ref[1:], nil
	}
	return "", fmt.Errorf("%q is not a reference inside the schema", ref)
}

// DecodeData decodes one JSON document into maps, slices and scalars as
// encoding/json does, except that a number is an int64 when it is an
// integer that fits (79201234567 stays 79201234567, not 7.9201234567e+10,
// in YAML), else a float64. It reads b as validation does (decode).
func DecodeData(b []byte) (any, error) {
	v, err := decode(b)
	if err != nil {
		return nil, err
	}
	return plain(v)
}

// plain returns JSON data with each json.Number turned into an int64 when
// it is an integer that fits, else a float64, so encoders write numbers
// (a json.Number is a string to a YAML encoder). A number no float64
// holds (1e400) is an error, not an infinity.
func plain(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("number %s: %w", x, err)
		}
		return f, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			p, err := plain(e)
			if err != nil {
				return nil, err
			}
			out[k] = p
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			p, err := plain(e)
			if err != nil {
				return nil, err
			}
			out[i] = p
		}
		return out, nil
	}
	return v, nil
}
