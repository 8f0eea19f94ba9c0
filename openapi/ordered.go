package openapi

import (
	"bytes"
	"encoding/json"

	"go.yaml.in/yaml/v3"
)

// ordered is a JSON object whose keys keep the order they were given in,
// so the document reads top-down (openapi, info, servers, paths, ...)
// in both encodings. Plain maps (the schemas) are written with sorted keys.
type ordered []kv

type kv struct {
	k string
	v any
}

// MarshalJSON writes the members in order.
func (o ordered) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := json.Marshal(m.k)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(m.v)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// MarshalYAML returns a mapping node with the members in order.
func (o ordered) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, m := range o {
		var key, val yaml.Node
		if err := key.Encode(m.k); err != nil {
			return nil, err
		}
		if err := val.Encode(m.v); err != nil {
			return nil, err
		}
		n.Content = append(n.Content, &key, &val)
	}
	return n, nil
}

// flowList is a list of short strings written on one line in YAML
// ([G1, G2, ...]).
type flowList []string

// MarshalYAML returns a flow-style sequence node.
func (l flowList) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range l {
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: s})
	}
	return n, nil
}
