package scenarios

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"loyalcheck/api"
	"loyalcheck/schemas"
)

//go:embed *.yaml
var builtin embed.FS

// Info names a built-in scenario.
type Info struct {
	Name        string
	Description string
}

// BuiltIn lists the scenarios shipped with loyalcheck, sorted by name.
func BuiltIn() ([]Info, error) {
	entries, err := builtin.ReadDir(".")
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".yaml")
		s, err := Load(name)
		if err != nil {
			return nil, err
		}
		out = append(out, Info{Name: s.Name, Description: s.Description})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Names lists the built-in scenarios' names, sorted: what an error about
// an unknown name offers instead.
func Names() []string {
	entries, _ := builtin.ReadDir(".") // an embedded directory always reads
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(out)
	return out
}

// Source returns the YAML text of a built-in scenario.
func Source(name string) ([]byte, bool) {
	b, err := builtin.ReadFile(name + ".yaml")
	return b, err == nil
}

// Load returns the built-in scenario called nameOrPath, or else reads the
// scenario file at that path. Either is validated by Parse.
func Load(nameOrPath string) (*Scenario, error) {
	if b, ok := Source(nameOrPath); ok {
		return Parse(b, nameOrPath+".yaml")
	}
	if !strings.ContainsAny(nameOrPath, "/.") {
		return nil, fmt.Errorf("scenario %q: no such built-in scenario (want %s) and no such file", nameOrPath, strings.Join(Names(), ", "))
	}
	b, err := os.ReadFile(nameOrPath)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return Parse(b, nameOrPath)
}

// Parse reads a YAML scenario and validates it against the scenario
// schema (schemas.ScenarioFile), built-in or not: the schema is the one
// definition of the format. Errors name the file, the line and the
// field's path, so a typo points at itself.
func Parse(src []byte, file string) (*Scenario, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", file, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("scenario %s: empty file", file)
	}
	conv := &converter{lines: map[string]int{}, left: maxNodes}
	doc, err := conv.value(root.Content[0], "")
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", file, err)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", file, err)
	}
	schema, err := schemas.Compile(schemas.ScenarioFile)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", file, err)
	}
	if vs := schema.Validate(raw); len(vs) > 0 {
		const most = 5
		parts := make([]string, 0, most+1)
		for i, v := range vs {
			if i == most {
				parts = append(parts, fmt.Sprintf("and %d more", len(vs)-most))
				break
			}
			parts = append(parts, withLine(v.Path+": "+v.Message, conv.lines))
		}
		return nil, fmt.Errorf("scenario %s: %s", file, strings.Join(parts, "; "))
	}
	var s Scenario
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", file, err)
	}
	s.applyDefaults()
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", file, err)
	}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(path.Base(file), path.Ext(file))
	}
	return &s, nil
}

// withLine prefixes a "path: message" violation with the YAML line of the
// deepest path that has one.
func withLine(msg string, lines map[string]int) string {
	p, _, _ := strings.Cut(msg, ":")
	for p != "" {
		if l, ok := lines[p]; ok {
			return fmt.Sprintf("line %d: %s", l, msg)
		}
		i := strings.LastIndex(p, ".")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return msg
}

// maxNodes bounds the YAML nodes a scenario may expand to. Aliases are
// expanded in place, so a few lines of nested aliases (a "billion laughs"
// file) would otherwise take minutes and gigabytes; a real scenario has a
// few hundred nodes.
const maxNodes = 10_000

// converter turns YAML nodes into JSON-compatible values, recording the
// line of every path ("flows.0.steps.1.op"), within a budget of nodes.
type converter struct {
	lines map[string]int
	left  int
}

// value converts a YAML node to a JSON-compatible value.
func (c *converter) value(n *yaml.Node, at string) (any, error) {
	if c.left--; c.left < 0 {
		return nil, fmt.Errorf("line %d: more than %d values (aliases expanded)", n.Line, maxNodes)
	}
	if at != "" {
		c.lines[at] = n.Line
	}
	join := func(k string) string {
		if at == "" {
			return k
		}
		return at + "." + k
	}
	switch n.Kind {
	case yaml.AliasNode:
		return c.value(n.Alias, at)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("line %d: %s: duplicate key", n.Content[i].Line, join(k))
			}
			v, err := c.value(n.Content[i+1], join(k))
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			v, err := c.value(item, join(strconv.Itoa(i)))
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		switch x := v.(type) {
		case int, int64, float64, bool, string, nil:
			return x, nil
		default:
			// Timestamps and other YAML types are kept as written.
			return n.Value, nil
		}
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

func (s *Scenario) applyDefaults() {
	if s.Load.Pacer == "" {
		s.Load.Pacer = "constant"
	}
	if s.Load.MaxInFlight == 0 {
		s.Load.MaxInFlight = 1000
	}
	if s.Clients.Pick == "" {
		s.Clients.Pick = PickUniform
	}
	if s.Points.Pick == "" {
		s.Points.Pick = PickUniform
	}
	for i := range s.Flows {
		for j := range s.Flows[i].Steps {
			if st := &s.Flows[i].Steps[j]; st.Op == api.EpRetail && st.Spend == "" {
				st.Spend = SpendNone
			}
		}
	}
	if s.Receipt.Dist == "" {
		s.Receipt = Dist{Dist: "lognormal", Median: 1500, Sigma: 0.8, Min: 50, Max: 50000}
	}
}

// Check validates what the schema cannot: rates, pacer parameters and the
// order of steps within a flow.
func (s *Scenario) Check() error {
	var errs []error
	if _, err := ParseRate(s.Load.Rate); err != nil {
		errs = append(errs, fmt.Errorf("load.rate: %w", err))
	}
	if s.Load.Duration <= 0 {
		errs = append(errs, errors.New("load.duration: must be positive"))
	}
	switch s.Load.Pacer {
	case "constant":
	case "linear":
		if _, err := ParseRate(s.Load.RampTo); err != nil {
			errs = append(errs, fmt.Errorf("load.ramp_to: %w", err))
		}
	case "sine":
		if _, err := ParseRate(s.Load.Amplitude); err != nil {
			errs = append(errs, fmt.Errorf("load.amplitude: %w", err))
		}
		if s.Load.Period <= 0 {
			errs = append(errs, errors.New("load.period: a sine pacer needs a positive period"))
		}
	default:
		errs = append(errs, fmt.Errorf("load.pacer: %q is not constant, linear or sine", s.Load.Pacer))
	}
	if s.Clients.Pick == PickHot && (s.Clients.Hot <= 0 || s.Clients.HotShare <= 0 || s.Clients.HotShare > 1) {
		errs = append(errs, errors.New("clients: pick: hot needs hot > 0 and 0 < hot_share <= 1"))
	}
	if len(s.Flows) == 0 {
		errs = append(errs, errors.New("flows: at least one flow"))
	}
	total := 0.0
	for i, f := range s.Flows {
		total += f.Weight
		if err := f.check(); err != nil {
			errs = append(errs, fmt.Errorf("flows.%d (%s): %w", i, f.Name, err))
		}
	}
	if total <= 0 {
		errs = append(errs, errors.New("flows: weights must add up to more than 0"))
	}
	return joinErrors(errs)
}

// joinErrors joins errors on one line (errors.Join would put each on its
// own line, and a bad-input error is one line).
func joinErrors(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return errors.New(strings.Join(msgs, "; "))
}

func (f Flow) check() error {
	if len(f.Steps) == 0 {
		return errors.New("no steps")
	}
	if f.Steps[0].Op != api.EpSearch {
		// Every later call needs the client id that search returns.
		return errors.New("the first step must be search")
	}
	held, recalced := false, false
	for i, st := range f.Steps {
		switch st.Op {
		case api.EpRecalc:
			recalced = true
		case api.EpHold:
			if (st.Hold == HoldMax || st.Hold == HoldPart) && !recalced {
				return fmt.Errorf("steps.%d: hold: %s needs a recalc step before it", i, st.Hold)
			}
			if st.Duration < 0 {
				return fmt.Errorf("steps.%d: negative duration", i)
			}
			held = true
		case api.EpRelease:
			if !held {
				return fmt.Errorf("steps.%d: release needs a hold step before it", i)
			}
		case api.EpRetail:
			if st.Spend != SpendNone && !recalced {
				return fmt.Errorf("steps.%d: spend: %s needs a recalc step before it", i, st.Spend)
			}
		}
		if st.WithHold && !held && st.Op != api.EpHold {
			return fmt.Errorf("steps.%d: with_hold needs a hold step before it", i)
		}
		if (st.Spend == SpendPart || st.Hold == HoldPart) && (st.Fraction <= 0 || st.Fraction > 1) {
			return fmt.Errorf("steps.%d: part needs 0 < fraction <= 1", i)
		}
	}
	return nil
}
