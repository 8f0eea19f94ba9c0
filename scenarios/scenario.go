// Package scenarios holds load scenarios: the declarative description of
// checkout sessions that the load engine replays against a target, the
// built-in ones, and the loader that validates a scenario file against its
// JSON Schema before anything runs.
package scenarios

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"loyalcheck/api"
)

// Scenario describes sessions to replay: which flows, on which clients and
// points, at what arrival rate, judged by which thresholds.
type Scenario struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Load        Profile  `json:"load"`
	Clients     Clients  `json:"clients"`
	Points      Points   `json:"points"`
	Receipt     Dist     `json:"receipt"`
	Flows       []Flow   `json:"flows"`
	SLO         []string `json:"slo,omitempty"`
}

// Profile is the arrival process of session starts (an open model: a
// session starts when the pacer says, never when another one ends).
type Profile struct {
	// Pacer is constant, linear or sine.
	Pacer string `json:"pacer"`
	// Rate is the session start rate ("50/1s", "50/s", "50"); the mean for
	// sine, the starting rate for linear.
	Rate string `json:"rate"`
	// RampTo is the rate a linear pacer reaches at the end of Duration.
	RampTo string `json:"ramp_to,omitempty"`
	// Amplitude and Period shape a sine pacer.
	Amplitude string   `json:"amplitude,omitempty"`
	Period    Duration `json:"period,omitempty"`
	Duration  Duration `json:"duration"`
	// MaxInFlight caps concurrent sessions; starts beyond it are dropped
	// and counted, never queued.
	MaxInFlight int `json:"max_in_flight,omitempty"`
}

// Client picking modes.
const (
	PickUniform = "uniform"
	PickHot     = "hot"
)

// Clients says which fixture clients sessions use.
type Clients struct {
	// Pick is uniform (any client equally) or hot (a small hot set takes
	// HotShare of the sessions, to force contention).
	Pick string `json:"pick"`
	// Hot is the size of the hot set: the richest cashback clients found
	// when the run starts.
	Hot      int     `json:"hot,omitempty"`
	HotShare float64 `json:"hot_share,omitempty"`
	// Type limits clients to a level type (cashback, discount) as search
	// reports it; empty means any.
	Type string `json:"type,omitempty"`
	// Limit caps how many fixture clients the run may touch (0: all).
	Limit int `json:"limit,omitempty"`
}

// Points says which fixture points sessions use.
type Points struct {
	// Pick is uniform over the first Count points (0: all).
	Pick  string `json:"pick"`
	Count int    `json:"count,omitempty"`
}

// Flow is one kind of session and its share of all sessions.
type Flow struct {
	Name    string  `json:"name"`
	Weight  float64 `json:"weight"`
	Receipt *Dist   `json:"receipt,omitempty"`
	Steps   []Step  `json:"steps"`
}

// Writes lists, in first-use order, the operations of the scenario that may
// change the target (hold, release, retail); none for a read-only one.
func (s *Scenario) Writes() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range s.Flows {
		for _, st := range f.Steps {
			if op := string(st.Op); st.Op.Writes() && !seen[op] {
				seen[op] = true
				out = append(out, op)
			}
		}
	}
	return out
}

// Spend policies of a retail step.
const (
	SpendNone = "none" // accrue
	SpendMax  = "max"  // recalc's maximum (or the held amount with with_hold)
	SpendPart = "part" // Fraction of the maximum
	SpendOver = "over" // one point over the maximum: must be refused (RT1)
)

// Hold amount policies.
const (
	HoldMax   = "max"   // recalc's spendable maximum
	HoldPart  = "part"  // Fraction of it
	HoldFixed = "fixed" // Points
)

// Step is one call of a session.
type Step struct {
	// Op is the endpoint the step calls.
	Op api.Endpoint `json:"op"`
	// Think is a pause before the step.
	Think *Think `json:"think,omitempty"`
	// WithHold lists the session's active holds in search, recalc and
	// retail (they count as available, and a retail consumes them).
	WithHold bool `json:"with_hold,omitempty"`
	// Spend is the retail spend policy: none, max, part or over.
	Spend string `json:"spend,omitempty"`
	// Hold is the hold amount policy: max, part or fixed.
	Hold string `json:"hold,omitempty"`
	// Fraction is used by spend: part and hold: part.
	Fraction float64 `json:"fraction,omitempty"`
	// Points is used by hold: fixed.
	Points int `json:"points,omitempty"`
	// Duration is the hold's duration in minutes (0: the server default).
	Duration int `json:"duration,omitempty"`
}

// Think is a pause, fixed (Min only) or uniform in [Min, Max].
type Think struct {
	Min Duration `json:"min"`
	Max Duration `json:"max,omitempty"`
}

// Sample draws one pause.
func (t *Think) Sample(r *rand.Rand) time.Duration {
	if t == nil {
		return 0
	}
	lo, hi := time.Duration(t.Min), time.Duration(t.Max)
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Int64N(int64(hi-lo)))
}

// Dist is a receipt amount distribution.
type Dist struct {
	// Dist is fixed (Value), uniform (Min..Max) or lognormal (Median,
	// Sigma, clamped to Min..Max).
	Dist   string  `json:"dist"`
	Value  float64 `json:"value,omitempty"`
	Min    float64 `json:"min,omitempty"`
	Max    float64 `json:"max,omitempty"`
	Median float64 `json:"median,omitempty"`
	Sigma  float64 `json:"sigma,omitempty"`
}

// Sample draws one receipt amount, rounded to kopecks.
func (d Dist) Sample(r *rand.Rand) float64 {
	var v float64
	switch d.Dist {
	case "fixed":
		v = d.Value
	case "uniform":
		v = d.Min + r.Float64()*(d.Max-d.Min)
	case "lognormal":
		v = d.Median * math.Exp(d.Sigma*r.NormFloat64())
		if d.Min > 0 && v < d.Min {
			v = d.Min
		}
		if d.Max > 0 && v > d.Max {
			v = d.Max
		}
	}
	return math.Round(v*100) / 100
}

// Duration is a time.Duration written as "30s" in scenario files.
type Duration time.Duration

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("duration: want a string like \"30s\", got %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(time.Duration(d).String())), nil
}

// Rate is a number of events per time unit, as vegeta writes it.
type Rate struct {
	Freq int
	Per  time.Duration
}

// PerSecond returns the rate in events per second.
func (r Rate) PerSecond() float64 {
	if r.Per <= 0 {
		return 0
	}
	return float64(r.Freq) / r.Per.Seconds()
}

func (r Rate) String() string {
	if r.Per == time.Second {
		return fmt.Sprintf("%d/s", r.Freq)
	}
	return fmt.Sprintf("%d/%s", r.Freq, r.Per)
}

// ParseRate reads "50/1s", "50/s", "50/100ms" or "50" (per second), the
// forms vegeta's -rate flag takes. The rate must be positive: an infinite
// rate has no meaning for an arrival process.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	num, per, found := strings.Cut(s, "/")
	freq, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || freq <= 0 {
		return Rate{}, fmt.Errorf("rate %q: want a positive whole number of sessions per unit, like 50/1s", s)
	}
	r := Rate{Freq: freq, Per: time.Second}
	if found {
		per = strings.TrimSpace(per)
		if per != "" && (per[0] < '0' || per[0] > '9') {
			per = "1" + per
		}
		d, err := time.ParseDuration(per)
		if err != nil || d <= 0 {
			return Rate{}, fmt.Errorf("rate %q: bad time unit %q", s, per)
		}
		r.Per = d
	}
	return r, nil
}
