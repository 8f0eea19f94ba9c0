package load

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"loyalcheck/scenarios"
)

func TestScheduleMatchesPacer(t *testing.T) {
	// A constant pacer at 50/s schedules exactly 50 starts a second, at
	// 20ms intervals, whatever the engine's own lateness.
	s := schedule{pacer: vegeta.Rate{Freq: 50, Per: time.Second}}
	var prev time.Duration
	for i := 0; i < 200; i++ {
		due, ok := s.next()
		assert.True(t, ok)
		if i > 0 {
			assert.Equal(t, 20*time.Millisecond, due-prev, "start %d", i)
		}
		prev = due
	}
	assert.EqualValues(t, 100, expectedStarts(vegeta.Rate{Freq: 50, Per: time.Second}, 2*time.Second))
	lin := vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: 10, Per: time.Second}, Slope: 10}
	// 10/s rising to 30/s over 2s: 40 starts in all, give or take one.
	assert.InDelta(t, 40, float64(expectedStarts(lin, 2*time.Second)), 1)
}

func TestPacerFromProfile(t *testing.T) {
	tests := []struct {
		profile  scenarios.Profile
		duration time.Duration
		starts   float64
		err      string
	}{
		{scenarios.Profile{Pacer: "constant", Rate: "20/s"}, 10 * time.Second, 200, ""},
		// 10/s rising to 30/s over 10 s: 200 starts.
		{scenarios.Profile{Pacer: "linear", Rate: "10/s", RampTo: "30/s"}, 10 * time.Second, 200, ""},
		// A sine around 20/s over whole periods averages 20/s.
		{scenarios.Profile{Pacer: "sine", Rate: "20/s", Amplitude: "10/s", Period: scenarios.Duration(5 * time.Second)}, 10 * time.Second, 200, ""},
		{scenarios.Profile{Pacer: "sine", Rate: "20/s", Amplitude: "30/s", Period: scenarios.Duration(5 * time.Second)}, 10 * time.Second, 0, "amplitude"},
		{scenarios.Profile{Pacer: "linear", Rate: "10/s", RampTo: "x"}, 10 * time.Second, 0, "ramp_to"},
		{scenarios.Profile{Pacer: "zigzag", Rate: "10/s"}, 10 * time.Second, 0, "unknown pacer"},
	}
	for _, tt := range tests {
		p, err := Pacer(tt.profile, scenarios.Rate{}, tt.duration)
		if tt.err != "" {
			assert.ErrorContains(t, err, tt.err)
			continue
		}
		require.NoError(t, err, tt.profile.Pacer)
		assert.InDelta(t, tt.starts, float64(expectedStarts(p, tt.duration)), 2, tt.profile.Pacer)
	}
	// --rate overrides the profile's rate.
	p, err := Pacer(scenarios.Profile{Pacer: "constant", Rate: "20/s"}, scenarios.Rate{Freq: 5, Per: time.Second}, time.Second)
	require.NoError(t, err)
	assert.EqualValues(t, 5, expectedStarts(p, time.Second))
}
