package load

import (
	"fmt"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"loyalcheck/scenarios"
)

// Pacer builds the vegeta pacer that schedules session starts for a load
// profile; rate overrides the profile's rate when non-zero.
func Pacer(p scenarios.Profile, rate scenarios.Rate, duration time.Duration) (vegeta.Pacer, error) {
	if rate.Freq == 0 {
		r, err := scenarios.ParseRate(p.Rate)
		if err != nil {
			return nil, err
		}
		rate = r
	}
	start := vegeta.Rate{Freq: rate.Freq, Per: rate.Per}
	switch p.Pacer {
	case "", "constant":
		return start, nil
	case "linear":
		to, err := scenarios.ParseRate(p.RampTo)
		if err != nil {
			return nil, fmt.Errorf("ramp_to: %w", err)
		}
		if duration <= 0 {
			return nil, fmt.Errorf("a linear ramp needs a duration")
		}
		slope := (to.PerSecond() - rate.PerSecond()) / duration.Seconds()
		return vegeta.LinearPacer{StartAt: start, Slope: slope}, nil
	case "sine":
		amp, err := scenarios.ParseRate(p.Amplitude)
		if err != nil {
			return nil, fmt.Errorf("amplitude: %w", err)
		}
		sp := vegeta.SinePacer{
			Period:  time.Duration(p.Period),
			Mean:    start,
			Amp:     vegeta.Rate{Freq: amp.Freq, Per: amp.Per},
			StartAt: vegeta.MeanUp,
		}
		if amp.PerSecond() >= rate.PerSecond() {
			return nil, fmt.Errorf("sine amplitude %s must be below the mean rate %s", amp, rate)
		}
		return sp, nil
	}
	return nil, fmt.Errorf("unknown pacer %q", p.Pacer)
}

// schedule yields the scheduled start offsets of a pure pacer. Asking the
// pacer at the previous due time (not at "now") gives each session its
// exact due time even when the engine runs late, so lateness is charged to
// the session's latency instead of silently shifting the schedule.
type schedule struct {
	pacer vegeta.Pacer
	due   time.Duration
	n     uint64
}

// next returns the due offset of the next session start, or false when
// the pacer stops.
func (s *schedule) next() (time.Duration, bool) {
	wait, stop := s.pacer.Pace(s.due, s.n)
	if stop {
		return 0, false
	}
	s.due += max(wait, 0)
	s.n++
	return s.due, true
}

// expectedStarts counts the sessions a pacer schedules within d.
func expectedStarts(p vegeta.Pacer, d time.Duration) uint64 {
	s := schedule{pacer: p}
	var n uint64
	for {
		due, ok := s.next()
		if !ok || due > d {
			return n
		}
		n++
		if n > 1e8 {
			return n
		}
	}
}
