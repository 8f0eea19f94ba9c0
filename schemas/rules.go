package schemas

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"loyalcheck/api"
)

// RuleKeyword is the annotation that ties a part of a schema to the SPEC
// rule it encodes. JSON Schema validators ignore unknown keywords, so the
// files stay usable elsewhere while remaining the single source of the
// mapping. Its value is either a rule id, which applies to every check of
// that subschema and, by inheritance, of everything below it:
//
//	"x-rule": "S6"
//
// or an object from a JSON Schema keyword to a rule id, with an optional
// "default" that is inherited like the plain form:
//
//	"x-rule": {"type": "G8", "minimum": "S7"}
//
// A violation's rule is looked up at the schema node that matches its path
// (properties, patternProperties, items, additionalProperties; subschemas of allOf, anyOf,
// oneOf, if/then/else, not and local $refs contribute to the same node):
// first the failed keyword, then the node's default, then the nearest
// ancestor's default. A missing property is looked up at that property's
// node under the keyword "required".
const RuleKeyword = "x-rule"

// ruleDefault is the x-rule object key for the inherited rule.
const ruleDefault = "default"

// ruleKeys are the keys an x-rule object may have: "default" and the
// draft-07 keywords that can fail a validation.
var ruleKeys = func() map[string]bool {
	m := map[string]bool{ruleDefault: true}
	for _, kw := range strings.Fields(`type enum const
		multipleOf maximum exclusiveMaximum minimum exclusiveMinimum
		maxLength minLength pattern format
		additionalItems maxItems minItems uniqueItems contains
		maxProperties minProperties required additionalProperties patternProperties propertyNames dependencies
		anyOf oneOf not false`) {
		m[kw] = true
	}
	return m
}()

// ruleNode is the rule mapping of one instance location.
type ruleNode struct {
	rules map[string]string // keyword (or "" for the default) -> rule id
	alts  []string          // titles of the anyOf/oneOf alternatives
	props map[string]*ruleNode
	pats  []patternNode // patternProperties, in key order
	items *ruleNode     // array items
	extra *ruleNode     // additionalProperties
}

type patternNode struct {
	re   *regexp.Regexp
	node *ruleNode
}

func (n *ruleNode) child(m **ruleNode) *ruleNode {
	if *m == nil {
		*m = &ruleNode{}
	}
	return *m
}

func (n *ruleNode) prop(name string) *ruleNode {
	if n.props == nil {
		n.props = map[string]*ruleNode{}
	}
	c := n.props[name]
	if c == nil {
		c = &ruleNode{}
		n.props[name] = c
	}
	return c
}

// ruleBuilder walks one schema document.
type ruleBuilder struct {
	doc  map[string]any
	ids  map[string]bool // every rule id named, for the catalogue test
	refs []string        // $refs being followed, against recursion
}

// buildRules reads the x-rule annotations of a schema document into a
// rule tree. Every id must exist in api.Rules() and every keyword of an
// x-rule object must be one the validator reports, so a typo fails at
// compile time instead of silently falling back to a default.
func buildRules(doc map[string]any) (*ruleNode, map[string]bool, error) {
	b := &ruleBuilder{doc: doc, ids: map[string]bool{}}
	root := &ruleNode{}
	if err := b.walk(root, doc, "#"); err != nil {
		return nil, nil, err
	}
	return root, b.ids, nil
}

func (b *ruleBuilder) walk(n *ruleNode, s any, at string) error {
	m, ok := s.(map[string]any)
	if !ok {
		return nil // a boolean schema carries no annotation
	}
	if x, ok := m[RuleKeyword]; ok {
		if err := b.addRules(n, x, at); err != nil {
			return err
		}
	}
	if ref, ok := m["$ref"].(string); ok {
		if err := b.follow(n, ref, at); err != nil {
			return err
		}
	}
	if props, ok := m["properties"].(map[string]any); ok {
		for _, k := range sortedKeys(props) {
			if err := b.walk(n.prop(k), props[k], at+"/properties/"+k); err != nil {
				return err
			}
		}
	}
	switch it := m["items"].(type) {
	case map[string]any:
		if err := b.walk(n.child(&n.items), it, at+"/items"); err != nil {
			return err
		}
	case []any:
		for i, s := range it {
			if err := b.walk(n.child(&n.items), s, at+"/items/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	}
	if ap, ok := m["additionalProperties"].(map[string]any); ok {
		if err := b.walk(n.child(&n.extra), ap, at+"/additionalProperties"); err != nil {
			return err
		}
	}
	if pp, ok := m["patternProperties"].(map[string]any); ok {
		for _, k := range sortedKeys(pp) {
			re, err := regexp.Compile(k)
			if err != nil {
				return fmt.Errorf("%s/patternProperties: %w", at, err)
			}
			c := &ruleNode{}
			n.pats = append(n.pats, patternNode{re: re, node: c})
			if err := b.walk(c, pp[k], at+"/patternProperties/"+k); err != nil {
				return err
			}
		}
	}
	for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
		list, _ := m[kw].([]any)
		for i, s := range list {
			if kw != "allOf" {
				n.alts = append(n.alts, altTitle(s, i))
			}
			if err := b.walk(n, s, fmt.Sprintf("%s/%s/%d", at, kw, i)); err != nil {
				return err
			}
		}
	}
	for _, kw := range []string{"if", "then", "else", "not"} {
		if s, ok := m[kw]; ok {
			if err := b.walk(n, s, at+"/"+kw); err != nil {
				return err
			}
		}
	}
	if deps, ok := m["dependencies"].(map[string]any); ok {
		for _, k := range sortedKeys(deps) {
			if err := b.walk(n, deps[k], at+"/dependencies/"+k); err != nil {
				return err
			}
		}
	}
	return nil
}

// follow walks a local reference ("#/definitions/x") into the same node.
func (b *ruleBuilder) follow(n *ruleNode, ref, at string) error {
	if !strings.HasPrefix(ref, "#") {
		return fmt.Errorf("%s: $ref %q: only local references are supported", at, ref)
	}
	for _, r := range b.refs {
		if r == ref {
			return nil // recursive schema: the first pass mapped it
		}
	}
	var target any = b.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#"), "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := target.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: $ref %q does not resolve", at, ref)
		}
		if target, ok = m[tok]; !ok {
			return fmt.Errorf("%s: $ref %q does not resolve", at, ref)
		}
	}
	b.refs = append(b.refs, ref)
	defer func() { b.refs = b.refs[:len(b.refs)-1] }()
	return b.walk(n, target, ref)
}

func (b *ruleBuilder) addRules(n *ruleNode, x any, at string) error {
	set := func(kw, id string) error {
		r, ok := api.RuleByID(id)
		if !ok {
			return fmt.Errorf("%s: %s names unknown rule %q", at, RuleKeyword, id)
		}
		if n.rules == nil {
			n.rules = map[string]string{}
		}
		if old, ok := n.rules[kw]; ok && old != r.ID {
			return fmt.Errorf("%s: %s maps %q to %s here and to %s elsewhere at the same location", at, RuleKeyword, kwName(kw), r.ID, old)
		}
		n.rules[kw] = r.ID
		b.ids[r.ID] = true
		return nil
	}
	switch x := x.(type) {
	case string:
		return set("", x)
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if !ruleKeys[k] {
				return fmt.Errorf("%s: %s key %q is not a keyword the validator reports", at, RuleKeyword, k)
			}
			id, ok := x[k].(string)
			if !ok {
				return fmt.Errorf("%s: %s.%s must be a rule id string", at, RuleKeyword, k)
			}
			kw := k
			if k == ruleDefault {
				kw = ""
			}
			if err := set(kw, id); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%s: %s must be a rule id or an object of keyword -> rule id", at, RuleKeyword)
}

func kwName(kw string) string {
	if kw == "" {
		return ruleDefault
	}
	return kw
}

func altTitle(s any, i int) string {
	if m, ok := s.(map[string]any); ok {
		if t, ok := m["title"].(string); ok && t != "" {
			return t
		}
	}
	return "alternative " + strconv.Itoa(i+1)
}

// lookup returns the rule of a failed keyword at an instance path, and the
// node found for it.
func (n *ruleNode) lookup(path, keyword string) (string, *ruleNode) {
	inherited := n.rules[""]
	cur := n
	if path != rootPath {
		for _, seg := range strings.Split(path, ".") {
			next := cur.props[seg]
			for _, p := range cur.pats {
				if next == nil && p.re.MatchString(seg) {
					next = p.node
				}
			}
			if next == nil && cur.items != nil && isIndex(seg) {
				next = cur.items
			}
			if next == nil {
				next = cur.extra
			}
			if next == nil {
				break
			}
			cur = next
			if r, ok := cur.rules[""]; ok {
				inherited = r
			}
		}
	}
	if r, ok := cur.rules[keyword]; ok && keyword != "" {
		return r, cur
	}
	return inherited, cur
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
