// Package reports turns a run of loyalcheck into what its users read: a
// versioned JSON run record (run.json) holding everything measured, and
// renderers that present it as a terminal report, a pull-request comment
// (Markdown), a CI verdict (JUnit XML) and a self-contained HTML report a
// buyer can sign off. Every renderer reads the record only, so `loyalcheck
// report DIR` re-renders any past run without touching the target.
//
// The record never holds the apikey: nothing that builds it is given the
// key, and Scrub removes a secret from a record as a last line of defence.
package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"loyalcheck/api"
	"loyalcheck/contract"
	"loyalcheck/load"
	"loyalcheck/scenarios"
)

// RecordVersion is the version of the run record's shape. It changes,
// together with schemas/run.schema.json, whenever a field is added,
// removed, renamed or changes meaning.
const RecordVersion = 2

// RecordFile is the name of the run record in a run directory.
const RecordFile = "run.json"

// Record kinds: which command made the run.
const (
	KindAccept   = "accept"   // contract suite, then load
	KindContract = "contract" // contract suite only
	KindLoad     = "load"     // load only
	KindCapacity = "capacity" // capacity search
)

// Record is one run: what ran, against what, what was measured and the
// verdict. It is written as run.json, and every report renders from it.
type Record struct {
	Version  int             `json:"version"`
	Tool     Tool            `json:"tool"`
	Kind     string          `json:"kind"`
	Started  time.Time       `json:"started"`
	Ended    time.Time       `json:"ended"`
	Target   Target          `json:"target"`
	Fixtures FixturesSummary `json:"fixtures"`
	// Scenario describes the load scenario as configured; Load holds what
	// was really run (rate and duration after command-line overrides).
	Scenario   *ScenarioInfo          `json:"scenario,omitempty"`
	Contract   *contract.Result       `json:"contract,omitempty"`
	Load       *load.Summary          `json:"load,omitempty"`
	Thresholds []load.ThresholdResult `json:"thresholds"`
	// Capacity is the capacity search's result (kind capacity): every
	// step tried, the highest passing and first failing rates, and the
	// ledger audited over all steps. Thresholds then hold the SLOs as
	// measured at the highest passing step.
	Capacity *load.CapacityResult `json:"capacity,omitempty"`
	// Error says why the run stopped before judging the target (an
	// unreachable target, a refused key, fixtures it does not know).
	Error       *RunError   `json:"error,omitempty"`
	Verdict     Verdict     `json:"verdict"`
	Environment Environment `json:"environment"`
}

// Tool names the program that made the record.
type Tool struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
}

// Target is the API the run talked to: its URL only, never the apikey.
type Target struct {
	URL string `json:"url"`
	// Embedded is true when the target was loyalcheck's own sandbox.
	Embedded bool `json:"embedded"`
}

// TargetOf returns the target of a run against baseURL, with any user
// name, password, query or fragment removed from the URL (a key pasted
// into the URL must not reach a report).
func TargetOf(baseURL string, embedded bool) Target {
	return Target{URL: SafeURL(baseURL), Embedded: embedded}
}

// SafeURL strips credentials, query and fragment from a URL; text that
// does not parse as a URL with a host is replaced by a placeholder.
func SafeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unparsable URL)"
	}
	u.User = nil
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	return u.String()
}

// FixturesSummary says how much the fixtures gave the run to work with.
type FixturesSummary struct {
	Points  int `json:"points"`
	Clients int `json:"clients"`
	// ClientsByType counts clients by the level type the fixtures file
	// gives ("unknown" when it gives none).
	ClientsByType map[string]int `json:"clients_by_type"`
}

// SummarizeFixtures counts the fixtures' points and clients.
func SummarizeFixtures(fx *api.Fixtures) FixturesSummary {
	s := FixturesSummary{ClientsByType: map[string]int{}}
	if fx == nil {
		return s
	}
	s.Points, s.Clients = len(fx.Points), len(fx.Clients)
	for _, c := range fx.Clients {
		t := c.Type
		if t == "" {
			t = "unknown"
		}
		s.ClientsByType[t]++
	}
	return s
}

// ScenarioInfo is the load scenario as configured.
type ScenarioInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Pacer       string `json:"pacer"`
	Rate        string `json:"rate"`
	RampTo      string `json:"ramp_to,omitempty"`
	Duration    string `json:"duration"`
	MaxInFlight int    `json:"max_in_flight"`
	// Clients says how sessions pick clients, e.g. "uniform" or "hot: 4
	// clients take 80% of sessions".
	Clients string     `json:"clients"`
	Flows   []FlowInfo `json:"flows"`
	SLO     []string   `json:"slo"`
}

// FlowInfo is one kind of session: its share and its steps.
type FlowInfo struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	// Steps are the session's calls in order, e.g. "search", "hold(max, 5 min)",
	// "retail(spend max, with hold)".
	Steps []string `json:"steps"`
}

// ScenarioInfoOf describes a scenario for the record; nil stays nil.
func ScenarioInfoOf(sc *scenarios.Scenario) *ScenarioInfo {
	if sc == nil {
		return nil
	}
	in := &ScenarioInfo{
		Name:        sc.Name,
		Description: sc.Description,
		Pacer:       sc.Load.Pacer,
		Rate:        sc.Load.Rate,
		RampTo:      sc.Load.RampTo,
		Duration:    time.Duration(sc.Load.Duration).String(),
		MaxInFlight: sc.Load.MaxInFlight,
		Clients:     clientsText(sc.Clients),
		Flows:       []FlowInfo{},
		SLO:         append([]string{}, sc.SLO...),
	}
	for _, f := range sc.Flows {
		fi := FlowInfo{Name: f.Name, Weight: f.Weight, Steps: []string{}}
		for _, st := range f.Steps {
			fi.Steps = append(fi.Steps, stepText(st))
		}
		in.Flows = append(in.Flows, fi)
	}
	return in
}

func clientsText(c scenarios.Clients) string {
	s := c.Pick
	if s == "" {
		s = scenarios.PickUniform
	}
	if c.Pick == scenarios.PickHot {
		s = fmt.Sprintf("hot: %d clients take %.0f%% of sessions", c.Hot, c.HotShare*100)
	}
	if c.Type != "" {
		s += ", " + c.Type + " clients only"
	}
	if c.Limit > 0 {
		s += fmt.Sprintf(", at most %d clients", c.Limit)
	}
	return s
}

func stepText(st scenarios.Step) string {
	var parts []string
	switch st.Op {
	case api.EpRetail:
		switch st.Spend {
		case "", scenarios.SpendNone:
			parts = append(parts, "accrue")
		case scenarios.SpendPart:
			parts = append(parts, fmt.Sprintf("spend %g of max", st.Fraction))
		default:
			parts = append(parts, "spend "+st.Spend)
		}
	case api.EpHold:
		switch st.Hold {
		case scenarios.HoldPart:
			parts = append(parts, fmt.Sprintf("%g of max", st.Fraction))
		case scenarios.HoldFixed:
			parts = append(parts, fmt.Sprintf("%d points", st.Points))
		case "":
		default:
			parts = append(parts, st.Hold)
		}
		if st.Duration > 0 {
			parts = append(parts, fmt.Sprintf("%d min", st.Duration))
		}
	}
	if st.WithHold {
		parts = append(parts, "with hold")
	}
	if st.Think != nil {
		if st.Think.Max > st.Think.Min {
			parts = append(parts, fmt.Sprintf("think %s-%s", time.Duration(st.Think.Min), time.Duration(st.Think.Max)))
		} else {
			parts = append(parts, fmt.Sprintf("think %s", time.Duration(st.Think.Min)))
		}
	}
	if len(parts) == 0 {
		return string(st.Op)
	}
	return string(st.Op) + "(" + strings.Join(parts, ", ") + ")"
}

// Environment is where the harness ran.
type Environment struct {
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go_version"`
	Hostname  string `json:"hostname"`
}

// CurrentEnvironment describes this machine.
func CurrentEnvironment() Environment {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "localhost"
	}
	return Environment{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), Hostname: h}
}

// NewRecord starts a record of the given kind made by loyalcheck
// toolVersion: version, tool, environment and start time filled in.
func NewRecord(kind, toolVersion string) *Record {
	return &Record{
		Version:     RecordVersion,
		Tool:        Tool{Name: "loyalcheck", Version: toolVersion, GoVersion: runtime.Version()},
		Kind:        kind,
		Started:     time.Now().UTC(),
		Fixtures:    FixturesSummary{ClientsByType: map[string]int{}},
		Thresholds:  []load.ThresholdResult{},
		Environment: CurrentEnvironment(),
	}
}

// MarshalJSON writes the record with empty lists as [] rather than null,
// so that readers need not tell the two apart.
func (r Record) MarshalJSON() ([]byte, error) {
	type plain Record
	p := plain(r)
	if p.Thresholds == nil {
		p.Thresholds = []load.ThresholdResult{}
	}
	if p.Verdict.Reasons == nil {
		p.Verdict.Reasons = []string{}
	}
	if p.Verdict.Notes == nil {
		p.Verdict.Notes = []string{}
	}
	if p.Fixtures.ClientsByType == nil {
		p.Fixtures.ClientsByType = map[string]int{}
	}
	if p.Scenario != nil {
		sc := *p.Scenario
		sc.SLO = nonNil(sc.SLO)
		sc.Flows = append([]FlowInfo{}, sc.Flows...)
		for i := range sc.Flows {
			sc.Flows[i].Steps = nonNil(sc.Flows[i].Steps)
		}
		p.Scenario = &sc
	}
	if p.Capacity != nil {
		p.Capacity = capacityNonNil(p.Capacity)
	}
	if p.Contract != nil && p.Contract.Findings == nil {
		c := *p.Contract
		c.Findings = []contract.Finding{}
		p.Contract = &c
	}
	return json.Marshal(p)
}

// capacityNonNil returns a copy of c with its lists [] rather than null.
func capacityNonNil(c *load.CapacityResult) *load.CapacityResult {
	cp := *c
	if cp.Thresholds == nil {
		cp.Thresholds = []load.Threshold{}
	}
	cp.BrokenBy = nonNil(cp.BrokenBy)
	cp.Steps = append([]load.CapacityStep{}, cp.Steps...)
	for i := range cp.Steps {
		st := &cp.Steps[i]
		if st.Violations == nil {
			st.Violations = []load.ViolationCount{}
		}
		if st.Endpoints == nil {
			st.Endpoints = []load.StepLatency{}
		}
		if st.Thresholds == nil {
			st.Thresholds = []load.ThresholdResult{}
		}
	}
	return &cp
}

// Encode writes the record as indented JSON, ending in a newline.
func (r *Record) Encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("run record: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteRecord writes r as dir/run.json (mode 0644), creating dir.
func WriteRecord(dir string, r *Record) error {
	b, err := r.Encode()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("run record: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, RecordFile), b, 0o644); err != nil {
		return fmt.Errorf("run record: %w", err)
	}
	return nil
}

// ErrVersion is returned (wrapped) by ReadRecord for a record of a version
// this build cannot read.
var ErrVersion = errors.New("unsupported run record version")

// ReadRecord reads dir/run.json; dir may also name the file itself.
func ReadRecord(dir string) (*Record, error) {
	path := dir
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		path = filepath.Join(dir, RecordFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("run record: %s not found (is %s a loyalcheck run directory?)", path, dir)
		}
		return nil, fmt.Errorf("run record: %w", err)
	}
	r, err := DecodeRecord(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// DecodeRecord decodes a run record. It rejects a record of another
// version, unknown fields (a shape this version does not know) and a
// record without a kind.
func DecodeRecord(b []byte) (*Record, error) {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("not a run record: %w", err)
	}
	switch {
	case head.Version == nil:
		return nil, errors.New("not a loyalcheck run record: no \"version\"")
	case *head.Version > RecordVersion:
		return nil, fmt.Errorf("%w: the record is version %d, this loyalcheck reads version %d: use a newer loyalcheck", ErrVersion, *head.Version, RecordVersion)
	case *head.Version != RecordVersion:
		return nil, fmt.Errorf("%w: the record is version %d, this loyalcheck reads version %d", ErrVersion, *head.Version, RecordVersion)
	}
	var r Record
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("run record version %d: %w", RecordVersion, err)
	}
	if r.Kind == "" {
		return nil, errors.New("run record: no \"kind\"")
	}
	return &r, nil
}

// Scrub is the record's last line of defence: it redacts the apikey
// (in any spelling, see api.Redactor.Output) from every string of the
// record and reports whether it found any. Field names and figures are
// never touched, and a key too short to tell from the record's own words
// is left to the redaction of outside data where it entered the product.
func (r *Record) Scrub(red *api.Redactor) (bool, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return false, fmt.Errorf("run record: scrubbing: %w", err)
	}
	out := red.Output(b)
	if bytes.Equal(out, b) {
		return false, nil
	}
	var clean Record
	if err := json.Unmarshal(out, &clean); err != nil {
		return true, fmt.Errorf("run record: scrubbing: %w", err)
	}
	*r = clean
	return true, nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
