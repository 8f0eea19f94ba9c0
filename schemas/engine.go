package schemas

// This file is the only one that knows which JSON Schema library validates:
// swapping github.com/xeipuuv/gojsonschema for another means rewriting
// engine, compileEngine, (*engine).validate, translate and keywordOf below,
// nothing else. The rest of the package deals in findings (path, keyword,
// message), which any draft-07 validator can produce, and decode gives
// the generic JSON tree most Go validators take.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/xeipuuv/gojsonschema"

	"loyalcheck/api"
)

// finding is one failed check in library-neutral terms.
type finding struct {
	// path is the instance path of the offending value: "(root)" or a
	// dotted path such as "client.balance" or "hold.0". For a missing
	// property it is the path the property should have had.
	path string
	// keyword is the JSON Schema keyword that failed ("type", "minimum",
	// "required", "anyOf", ...). A body that is not JSON at all fails the
	// root's "type".
	keyword string
	message string
}

const rootPath = "(root)"

// engine is one compiled schema. gojsonschema's compiled *Schema is only
// read during validation, so an engine is safe for concurrent use.
type engine struct {
	s *gojsonschema.Schema
}

// compileEngine compiles a draft-07 schema document, checking it against
// the draft-07 metaschema (which gojsonschema carries in memory: nothing is
// fetched). The schemas use no "format" keyword because gojsonschema's
// format checkers are a mutable process-wide registry, and no remote
// "$ref", which gojsonschema would fetch over the network.
func compileEngine(data []byte) (*engine, error) {
	sl := gojsonschema.NewSchemaLoader()
	sl.Validate = true
	sl.Draft = gojsonschema.Draft7
	s, err := sl.Compile(gojsonschema.NewBytesLoader(data))
	if err != nil {
		return nil, err
	}
	return &engine{s: s}, nil
}

// decode parses body into the form gojsonschema validates (numbers as
// json.Number, so integers stay exact and 1.0 is still an integer). The
// document is handed over with NewRawLoader, which takes it as it is:
// NewBytesLoader would accept trailing data after the first value, and
// NewGoLoader would encode and decode it once more.
func decode(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return doc, nil
}

// validate checks body and returns nil when it is valid. A body that is
// not a single JSON value yields one finding at the root.
func (e *engine) validate(body []byte) []finding {
	doc, err := decode(body)
	if err != nil {
		return []finding{{path: rootPath, keyword: "type", message: "body is not JSON: " + err.Error()}}
	}
	res, err := e.s.Validate(gojsonschema.NewRawLoader(doc))
	if err != nil { // unreachable with a raw loader; kept for safety
		return []finding{{path: rootPath, keyword: "type", message: err.Error()}}
	}
	if res.Valid() {
		return nil
	}
	return translate(res.Errors())
}

// keywordOf maps gojsonschema's error types to the keyword that failed.
// Types absent from the map are dropped: allOf and if/then/else failures
// always come with the errors of the subschema that failed, which say more.
var keywordOf = map[string]string{
	"false":                           "false",
	"required":                        "required",
	"invalid_type":                    "type",
	"number_any_of":                   "anyOf",
	"number_one_of":                   "oneOf",
	"number_not":                      "not",
	"missing_dependency":              "dependencies",
	"internal":                        "",
	"const":                           "const",
	"enum":                            "enum",
	"array_no_additional_items":       "additionalItems",
	"array_min_items":                 "minItems",
	"array_max_items":                 "maxItems",
	"unique":                          "uniqueItems",
	"contains":                        "contains",
	"array_min_properties":            "minProperties",
	"array_max_properties":            "maxProperties",
	"additional_property_not_allowed": "additionalProperties",
	"invalid_property_pattern":        "patternProperties",
	"invalid_property_name":           "propertyNames",
	"string_gte":                      "minLength",
	"string_lte":                      "maxLength",
	"pattern":                         "pattern",
	"format":                          "format",
	"multiple_of":                     "multipleOf",
	"number_gte":                      "minimum",
	"number_gt":                       "exclusiveMinimum",
	"number_lte":                      "maximum",
	"number_lt":                       "exclusiveMaximum",
}

func translate(errs []gojsonschema.ResultError) []finding {
	out := make([]finding, 0, len(errs))
	for _, re := range errs {
		kw, ok := keywordOf[re.Type()]
		if !ok {
			continue
		}
		f := finding{path: re.Field(), keyword: kw, message: re.Description()}
		switch kw {
		case "required", "additionalProperties":
			// Point at the property itself, not at the object holding it.
			if p, ok := re.Details()["property"].(string); ok {
				f.path = childPath(f.path, p)
			}
		case "anyOf", "oneOf", "not", "dependencies":
			// The value is a whole object: not worth quoting.
		default:
			f.message += " (got " + quote(re.Value()) + ")"
		}
		if f.path == "" {
			// gojsonschema names a property "" at the root by an empty
			// path; a violation must still point somewhere.
			f.path = `""`
		}
		out = append(out, f)
	}
	return out
}

func childPath(parent, name string) string {
	if parent == rootPath {
		return name
	}
	return parent + "." + name
}

// quote renders a value for a one-line message, cut to a few dozen bytes.
func quote(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return api.Snippet(b, 40)
}
