package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"loyalcheck/api"
)

// A number given on the command line is used as given or refused with a
// usage error: never silently replaced by a default, and never a
// threshold whose verdict is known before the run.
func TestNumericFlagsRefused(t *testing.T) {
	loadLike := []struct {
		args []string
		want string
	}{
		{[]string{"--duration", "0"}, "--duration 0s: want a positive duration"},
		{[]string{"--duration", "-5s"}, "--duration -5s: want a positive duration"},
		{[]string{"--max-in-flight", "0"}, "--max-in-flight 0: want at least 1"},
		{[]string{"--max-in-flight", "-3"}, "--max-in-flight -3: want at least 1"},
		{[]string{"--drain", "-1s"}, "--drain -1s"},
		{[]string{"--rate", "0/s"}, "--rate"},
		{[]string{"--rate", "5/0s"}, "--rate"},
		{[]string{"--validate", "NaN"}, "--validate"},
		{[]string{"--validate", "150%"}, "--validate"},
		{[]string{"--timeout", "0"}, "--timeout must be positive"},
		{[]string{"--slo", "errors<150%"}, "a share is at most 100%"},
		{[]string{"--slo", "success(retail)>100.1%"}, "a share is at most 100%"},
		{[]string{"--slo", "p99(retail)<-5ms"}, "cannot be negative"},
		{[]string{"--slo", "errors>=0"}, "always holds"},
	}
	for _, cmd := range []string{"load", "accept", "capacity"} {
		for _, tt := range loadLike {
			if cmd == "capacity" && (tt.args[0] == "--duration" || tt.args[0] == "--rate") {
				continue // capacity sets both itself, step by step
			}
			args := append([]string{cmd}, tt.args...)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, out, errs := cliRun(t, nil, args...)
				assert.Equal(t, exitUsage, code, out+errs)
				assert.Contains(t, errs, tt.want)
				assert.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
			})
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--growth", "NaN"}, "--growth NaN: want a factor above 1"},
		{[]string{"--growth", "+Inf"}, "--growth +Inf"},
		{[]string{"--tolerance", "NaN"}, "--tolerance"},
		{[]string{"--probe-duration", "0"}, "--probe-duration"},
		{[]string{"--step-duration", "0"}, "--step-duration"},
		{[]string{"--budget", "0"}, "--budget"},
		{[]string{"--start", "0/s"}, "--start"},
		{[]string{"--warmup", "-1s"}, "--warmup"},
	} {
		args := append([]string{"capacity", "--slo", "p99(session)<1s"}, tt.args...)
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, errs := cliRun(t, nil, args...)
			assert.Equal(t, exitUsage, code, out+errs)
			assert.Contains(t, errs, tt.want)
			assert.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
		})
	}
}

// --drain 0 means what its help says: an interrupt stops the sessions in
// flight at once.
func TestDrainZeroAccepted(t *testing.T) {
	code, out, errs := cliRun(t, nil, "load", "--scenario", "read-only", "--rate", "5/s", "--duration", "1s", "--drain", "0")
	assert.NotEqual(t, exitUsage, code, out+errs)
}

// The flags commands share are checked in one place: every command
// refuses a bad value of them with the same one-line message, before it
// starts a sandbox or reaches a target.
func TestSharedFlagsRefusedAlike(t *testing.T) {
	const url = "http://127.0.0.1:1" // nothing listens: no check may get that far
	for _, tt := range []struct {
		cmds []string
		args []string
		want string
	}{
		{[]string{"contract", "load", "accept", "capacity"}, []string{"--timeout", "0"}, "--timeout must be positive"},
		{[]string{"contract", "load", "accept", "capacity"}, []string{"--fixtures", "f.json"}, "--fixtures needs --target"},
		{[]string{"contract", "load", "accept", "capacity"}, []string{"--ca-cert", "ca.pem"}, "need an https --target"},
		{[]string{"contract", "load", "accept", "capacity"}, []string{"--target", url}, "--target needs --fixtures FILE"},
		{[]string{"contract", "load", "accept", "capacity"}, []string{"--target", url, "--fixtures", "f.json", "--sandbox-fault", "x"}, "--sandbox-fault applies to the embedded sandbox only"},
		{[]string{"contract", "load", "accept", "capacity"}, []string{"--target", url, "--fixtures", "f.json", "--client-cert", "c.pem"}, "--client-cert and --client-key go together"},
		{[]string{"load", "accept", "capacity", "report"}, []string{"--color", "sometimes"}, `--color: want auto, always or never, not "sometimes"`},
		{[]string{"load", "accept", "capacity"}, []string{"--validate", "1.5"}, `--validate "1.5": want all, none, or a share between 0 and 1`},
		{[]string{"load", "accept", "capacity"}, []string{"--seed", "-1"}, "--seed"},
		{[]string{"contract", "accept"}, []string{"--profile", "lax"}, `--profile: unknown profile "lax"`},
		{[]string{"contract", "accept"}, []string{"--accept-unverified", "Z9"}, `--accept-unverified: unknown rule id "Z9"`},
	} {
		for _, cmd := range tt.cmds {
			args := append([]string{cmd}, tt.args...)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, out, errs := cliRun(t, map[string]string{api.APIKeyEnv: "k"}, args...)
				assert.Equal(t, exitUsage, code, out+errs)
				assert.True(t, strings.HasPrefix(errs, "loyalcheck "+cmd+": "), errs)
				assert.Contains(t, errs, tt.want)
				assert.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
				assert.NotContains(t, errs, "embedded sandbox at", "refused before the sandbox starts")
			})
		}
	}
}
