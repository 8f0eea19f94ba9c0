// Package schemas holds the draft-07 JSON Schemas of everything that
// crosses the wire of the loyalty API, derived from the vendor's page and
// SPEC.md: the success answer of each endpoint, the error body (G4/G5) and
// each request body. The files are embedded in the binary and are the
// single source of both the checks and their mapping to SPEC rules (see
// RuleKeyword); Files and WriteFiles hand them out for use elsewhere.
//
// A Validator compiles every schema once and checks bodies against them,
// returning violations that name the JSON path of the field and the rule.
// Which library validates is confined to engine.go.
package schemas

import (
	"embed"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"

	"loyalcheck/api"
)

//go:embed *.schema.json
var embedded embed.FS

// Violation is one way a body breaks its schema.
type Violation struct {
	Path    string `json:"path"`    // JSON path of the offending field, e.g. "client.balance" or "(root)"
	Rule    string `json:"rule"`    // SPEC rule id, e.g. "S7"; empty for a schema that maps no rule
	Message string `json:"message"` // one line
}

func (v Violation) String() string { return v.Path + ": " + v.Message + " [" + v.Rule + "]" }

// File is one embedded schema file.
type File struct {
	Name string
	Data []byte
}

// Files returns every embedded schema file, sorted by name. The data are
// copies the caller may keep or change.
func Files() []File {
	names := fileNames()
	out := make([]File, 0, len(names))
	for _, n := range names {
		b, err := embedded.ReadFile(n)
		if err != nil {
			panic(err) // listed by the same FS a moment ago
		}
		out = append(out, File{Name: n, Data: b})
	}
	return out
}

func fileNames() []string {
	ents, err := fs.ReadDir(embedded, ".")
	if err != nil {
		panic(err)
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// WriteFiles writes every schema file into dir, creating it if needed and
// replacing files of the same names.
func WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("schemas: %w", err)
	}
	for _, f := range Files() {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return fmt.Errorf("schemas: %w", err)
		}
	}
	return nil
}

// ErrorFile is the file name of the error-body schema, shared by every
// endpoint's refusals.
const ErrorFile = "error.schema.json"

// ResponseFile returns the file name of an endpoint's success-answer schema.
func ResponseFile(ep api.Endpoint) string { return string(ep) + ".response.schema.json" }

// RequestFile returns the file name of an endpoint's request-body schema.
func RequestFile(ep api.Endpoint) string { return string(ep) + ".request.schema.json" }

// Schema is one compiled schema file. It is safe for concurrent use.
type Schema struct {
	name  string
	eng   *engine
	rules *ruleNode
	ids   map[string]bool
	memo  *memo // nil: no memo (benchmarks of the full path)
}

// memo remembers which bodies were found valid, so that the many identical
// answers of a load run (the same recalc, the same retail, release's
// {"success": true}) are judged once. A verdict depends on nothing but the
// body, so replaying it is exact; only valid bodies are remembered, because
// an invalid one needs its violations anyway. It is a direct-mapped table
// of 64-bit seeded hashes (maphash, seeded per process): lock-free, a fixed
// 32 KiB per schema, an older entry simply overwritten by a newer one. Two
// bodies sharing a hash, one valid and one not, is a 2^-64 event.
type memo struct {
	seed  maphash.Seed
	slots [memoSlots]atomic.Uint64
}

const memoSlots = 4096

func newMemo() *memo { return &memo{seed: maphash.MakeSeed()} }

func (m *memo) key(body []byte) (uint64, *atomic.Uint64) {
	h := maphash.Bytes(m.seed, body)
	if h == 0 {
		h = 1 // 0 marks an empty slot
	}
	return h, &m.slots[h%memoSlots]
}

// ScenarioFile is the schema of a load scenario file (scenarios.Parse
// validates every scenario against it, built-in ones too).
const ScenarioFile = "scenario.schema.json"

// Compile compiles the embedded schema file of that name (e.g.
// "search.response.schema.json"); any file Files lists can be compiled,
// including ones added later for other documents.
func Compile(name string) (*Schema, error) {
	data, err := embedded.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("schemas: no embedded schema %q", name)
	}
	return compile(name, data)
}

func compile(name string, data []byte) (*Schema, error) {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("schemas: %s: %w", name, err)
	}
	rules, ids, err := buildRules(doc)
	if err != nil {
		return nil, fmt.Errorf("schemas: %s: %w", name, err)
	}
	eng, err := compileEngine(data)
	if err != nil {
		return nil, fmt.Errorf("schemas: %s: %s", name, strings.TrimSpace(err.Error()))
	}
	return &Schema{name: name, eng: eng, rules: rules, ids: ids, memo: newMemo()}, nil
}

// Name returns the schema's file name.
func (s *Schema) Name() string { return s.name }

// Validate checks a JSON document and returns its violations, nil when it
// is valid. A document that is not JSON is one violation at "(root)".
func (s *Schema) Validate(doc []byte) []Violation {
	var h uint64
	var slot *atomic.Uint64
	if s.memo != nil {
		h, slot = s.memo.key(doc)
		if slot.Load() == h {
			return nil
		}
	}
	found := s.eng.validate(doc)
	if f, dup := duplicateFinding(doc); dup {
		found = append([]finding{f}, found...)
	}
	if len(found) == 0 {
		if slot != nil {
			slot.Store(h)
		}
		return nil
	}
	return s.violations(found)
}

// violations names the rule of each finding; only failures pay for it.
func (s *Schema) violations(found []finding) []Violation {
	out := make([]Violation, 0, len(found))
	for _, f := range found {
		rule, node := s.rules.lookup(f.path, f.keyword)
		msg := f.message
		if len(node.alts) > 0 {
			switch f.keyword {
			case "anyOf":
				msg = "is none of: " + strings.Join(node.alts, ", ")
			case "oneOf":
				msg = "is not exactly one of: " + strings.Join(node.alts, ", ")
			}
		}
		msg = strings.Join(strings.Fields(msg), " ") // one line
		out = append(out, Violation{Path: f.path, Rule: rule, Message: msg})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	// Drop exact repeats (gojsonschema may report a check from two branches).
	n := 0
	for i, v := range out {
		if i > 0 && v == out[n-1] {
			continue
		}
		out[n] = v
		n++
	}
	return out[:n]
}

// Validator checks the bodies of the five endpoints. It is compiled once
// by New and safe for concurrent use.
type Validator struct {
	resp    map[api.Endpoint]*Schema
	req     map[api.Endpoint]*Schema
	errBody *Schema
}

// New compiles every embedded schema file (so a broken one fails here, not
// under load) and returns a validator for the wire schemas.
func New() (*Validator, error) {
	all := map[string]*Schema{}
	for _, n := range fileNames() {
		s, err := Compile(n)
		if err != nil {
			return nil, err
		}
		all[n] = s
	}
	get := func(name string) (*Schema, error) {
		if s := all[name]; s != nil {
			return s, nil
		}
		return nil, fmt.Errorf("schemas: missing embedded schema %s", name)
	}
	v := &Validator{resp: map[api.Endpoint]*Schema{}, req: map[api.Endpoint]*Schema{}}
	var err error
	for _, ep := range api.Endpoints() {
		if v.resp[ep], err = get(ResponseFile(ep)); err != nil {
			return nil, err
		}
		if v.req[ep], err = get(RequestFile(ep)); err != nil {
			return nil, err
		}
	}
	if v.errBody, err = get(ErrorFile); err != nil {
		return nil, err
	}
	return v, nil
}

// Response checks an answer body: a 200 against the endpoint's success
// schema, any other status against the error-body schema (whether the
// status itself is right is the caller's judgement).
func (v *Validator) Response(ep api.Endpoint, status int, body []byte) []Violation {
	s := v.resp[ep]
	if s == nil {
		return unknownEndpoint(ep)
	}
	if status != http.StatusOK {
		s = v.errBody
	}
	return s.Validate(body)
}

// Answer checks the answer of an exchange as Response does. A body cut at
// the client's cap is one violation at the root instead (G6 for a 200,
// G4 for an error): an answer too long to read is not a valid one, and
// what was read of it is not worth judging.
func (v *Validator) Answer(ex *api.Exchange) []Violation {
	if ex.Truncated {
		rule := "G4"
		if ex.Status == http.StatusOK {
			rule = "G6"
		}
		return []Violation{{Path: rootPath, Rule: rule,
			Message: fmt.Sprintf("body longer than the %d bytes read of it: not judged further", len(ex.Body))}}
	}
	return v.Response(ex.Endpoint, ex.Status, ex.Body)
}

// Request checks a request body against the endpoint's request schema.
func (v *Validator) Request(ep api.Endpoint, body []byte) []Violation {
	s := v.req[ep]
	if s == nil {
		return unknownEndpoint(ep)
	}
	return s.Validate(body)
}

func unknownEndpoint(ep api.Endpoint) []Violation {
	return []Violation{{Path: rootPath, Rule: "G1", Message: fmt.Sprintf("unknown endpoint %q", ep)}}
}
