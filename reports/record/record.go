// Package record is the run record's wire format: run.json, the one file a
// run of loyalcheck leaves that every report renders from. Every type the
// file holds is defined here, and only here, so that its JSON tags alone
// decide the format; the record is versioned (Version) with its JSON
// Schema beside it (schemas/run.schema.json).
//
// The engines do not keep look-alike types of their own: what they
// measure and judge is made of this package's types (load's step
// metrics, latencies, thresholds, ledger audit and capacity steps are
// these, load.CapacityResult is Capacity and load.Summary is LoadOf with
// the audit unjudged; the contract suite's findings, evidence and rule
// coverage are these; compare's figures of a metric and its rule diff are
// these), so a measurement or a finding is written the same way wherever
// it goes (summary.json, journals, contract --json, run.json). The package imports no engine: the engines
// import it, and make their sections (load.Summary.Record,
// contract.Result.Record) with the judgements every report shows
// computed once, here (checks by area and their counts, rule coverage and
// its notes, the contract's notes, the total over all steps, the ledger's
// and the search's verdict), so renderers read them and never judge
// again. Records of earlier versions decode into the same types and are
// judged by the same functions (legacy.go).
//
// The record never holds the apikey: nothing that builds it is given the
// key, and Scrub removes a secret from a record as a last line of defence.
package record

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"loyalcheck/api"
	"loyalcheck/scenarios"
)

// Version is the version of the run record's shape. It changes, together
// with schemas/run.schema.json, whenever a field is added, removed,
// renamed or changes meaning. Version 4 adds the optional comparison
// against a baseline (a version 3 record is a version 4 record without
// it); 3 has the record's own types with the judgements computed; 2 and
// 1 embedded the engines' results.
const Version = 4

// File is the name of the run record in a run directory.
const File = "run.json"

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
	Scenario   *ScenarioInfo     `json:"scenario,omitempty"`
	Contract   *Contract         `json:"contract,omitempty"`
	Load       *Load             `json:"load,omitempty"`
	Thresholds []ThresholdResult `json:"thresholds"`
	// Capacity is the capacity search's result (kind capacity): every
	// step tried, the highest passing and first failing rates, and the
	// ledger audited over all steps. Thresholds then hold the SLOs as
	// measured at the highest passing step.
	Capacity *Capacity `json:"capacity,omitempty"`
	// Comparison is the load's comparison against a baseline run
	// (accept --baseline); a regression fails the verdict.
	Comparison *Comparison `json:"comparison,omitempty"`
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

// New starts a record of the given kind made by loyalcheck
// toolVersion: version, tool, environment and start time filled in.
func New(kind, toolVersion string) *Record {
	return &Record{
		Version:     Version,
		Tool:        Tool{Name: "loyalcheck", Version: toolVersion, GoVersion: runtime.Version()},
		Kind:        kind,
		Started:     time.Now().UTC(),
		Fixtures:    FixturesSummary{ClientsByType: map[string]int{}},
		Thresholds:  []ThresholdResult{},
		Environment: CurrentEnvironment(),
	}
}

// MarshalJSON writes the record with empty lists as [] rather than null,
// so that readers need not tell the two apart.
func (r Record) MarshalJSON() ([]byte, error) {
	type plain Record
	p := plain(r)
	if p.Thresholds == nil {
		p.Thresholds = []ThresholdResult{}
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
	return json.Marshal(p)
}

// capacityNonNil returns a copy of c with its lists [] rather than null.
func capacityNonNil(c *Capacity) *Capacity {
	cp := *c
	if cp.Thresholds == nil {
		cp.Thresholds = []Threshold{}
	}
	cp.BrokenBy = nonNil(cp.BrokenBy)
	cp.Steps = append([]CapacityStep{}, cp.Steps...)
	for i := range cp.Steps {
		st := &cp.Steps[i]
		if st.Violations == nil {
			st.Violations = []ViolationCount{}
		}
		if st.Endpoints == nil {
			st.Endpoints = []StepLatency{}
		}
		if st.Thresholds == nil {
			st.Thresholds = []ThresholdResult{}
		}
	}
	return &cp
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
