package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// duplicateKey walks a JSON document token by token and reports the first
// object key that appears twice in one object, at any depth, with the path
// of that object. encoding/json (and every validator built on it) keeps
// the last of two equal keys while other parsers keep the first, so such a
// body means different things to different readers. ok is false for a
// document without duplicates; one that stops parsing is judged on what
// came before (the schema check reports the syntax error).
func duplicateKey(doc []byte) (path, key string, ok bool) {
	type frame struct {
		keys  map[string]bool // nil for an array
		name  string          // this container's path segment
		index int             // next array index
		key   string          // object: the key whose value comes next
		isKey bool            // object: the next string token is a key
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var stack []*frame
	pathOf := func() string {
		p := rootPath
		for i, f := range stack {
			if i == 0 {
				continue
			}
			p = childPath(p, f.name)
		}
		return p
	}
	// segment names the value about to be read in the innermost container.
	segment := func() string {
		if len(stack) == 0 {
			return ""
		}
		top := stack[len(stack)-1]
		if top.keys == nil {
			s := strconv.Itoa(top.index)
			top.index++
			return s
		}
		top.isKey = true
		return top.key
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", "", false
		}
		if n := len(stack); n > 0 && stack[n-1].keys != nil && stack[n-1].isKey {
			top := stack[n-1]
			if d, isDelim := tok.(json.Delim); isDelim && d == '}' {
				stack = stack[:n-1]
				if len(stack) == 0 {
					return "", "", false
				}
				continue
			}
			k, _ := tok.(string)
			if top.keys[k] {
				return pathOf(), k, true
			}
			top.keys[k] = true
			top.key, top.isKey = k, false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, name: segment(), isKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{name: segment()})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return "", "", false
			}
		default:
			if len(stack) == 0 {
				return "", "", false // a scalar document
			}
			segment()
		}
	}
}

// duplicateFinding is the finding of a duplicate key, reported at the root
// because the whole body is ambiguous (so it falls under the schema's
// top-level rule: G6 for a success, G4 for an error body).
func duplicateFinding(doc []byte) (finding, bool) {
	path, key, ok := duplicateKey(doc)
	if !ok {
		return finding{}, false
	}
	return finding{path: rootPath, keyword: "duplicateKeys",
		message: fmt.Sprintf("key %q appears twice in the object at %s: the body is ambiguous (parsers differ on which value counts)", key, path)}, true
}
