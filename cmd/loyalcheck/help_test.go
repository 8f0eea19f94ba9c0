package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Every command that starts the embedded sandbox takes --sandbox-fault, and
// its help says so: seeing a check catch a broken server is how a user
// learns to trust it.
func TestSandboxFaultInHelp(t *testing.T) {
	for _, cmd := range []string{"contract", "load", "accept", "capacity"} {
		code, out, _ := cliRun(t, nil, cmd, "--help")
		assert.Equal(t, exitOK, code, cmd)
		assert.Contains(t, out, "--sandbox-fault", cmd)
		assert.Contains(t, out, "--list-faults", cmd)
	}
}
