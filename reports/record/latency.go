package record

import (
	"encoding/json"
	"math"
	"time"
)

// Latency summarises a latency distribution. It is written in
// milliseconds, rounded to the microsecond, which people read.
type Latency struct {
	Count int64
	Min   time.Duration
	Mean  time.Duration
	P50   time.Duration
	P90   time.Duration
	P95   time.Duration
	P99   time.Duration
	P999  time.Duration
	Max   time.Duration
}

// Quantile returns the named percentile ("50", "90", "95", "99", "99.9"),
// "mean", "min" or "max"; ok is false for any other name.
func (l Latency) Quantile(name string) (time.Duration, bool) {
	switch name {
	case "50":
		return l.P50, true
	case "90":
		return l.P90, true
	case "95":
		return l.P95, true
	case "99":
		return l.P99, true
	case "99.9":
		return l.P999, true
	case "mean":
		return l.Mean, true
	case "min":
		return l.Min, true
	case "max":
		return l.Max, true
	}
	return 0, false
}

type latencyJSON struct {
	Count  int64   `json:"count"`
	MinMs  float64 `json:"min_ms"`
	MeanMs float64 `json:"mean_ms"`
	P50Ms  float64 `json:"p50_ms"`
	P90Ms  float64 `json:"p90_ms"`
	P95Ms  float64 `json:"p95_ms"`
	P99Ms  float64 `json:"p99_ms"`
	P999Ms float64 `json:"p99_9_ms"`
	MaxMs  float64 `json:"max_ms"`
}

// Millis is d in milliseconds rounded to the microsecond, as a record
// writes every latency.
func Millis(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

func fromMs(v float64) time.Duration { return time.Duration(math.Round(v * 1e6)) }

// MarshalJSON writes the latencies in milliseconds.
func (l Latency) MarshalJSON() ([]byte, error) {
	return json.Marshal(latencyJSON{l.Count, Millis(l.Min), Millis(l.Mean), Millis(l.P50), Millis(l.P90), Millis(l.P95), Millis(l.P99), Millis(l.P999), Millis(l.Max)})
}

// UnmarshalJSON reads what MarshalJSON writes, strictly: a record of
// this version has no other latency field.
func (l *Latency) UnmarshalJSON(b []byte) error {
	var j latencyJSON
	if err := strictJSON(b, &j); err != nil {
		return err
	}
	*l = Latency{j.Count, fromMs(j.MinMs), fromMs(j.MeanMs), fromMs(j.P50Ms), fromMs(j.P90Ms), fromMs(j.P95Ms), fromMs(j.P99Ms), fromMs(j.P999Ms), fromMs(j.MaxMs)}
	return nil
}
