package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// `loyalcheck --version` is what a user types first; it answers as
// `loyalcheck version` does.
func TestVersionFlag(t *testing.T) {
	code, want, _ := cliRun(t, nil, "version")
	assert.Equal(t, exitOK, code)
	assert.Regexp(t, `^loyalcheck \S+\n$`, want)
	for _, arg := range []string{"--version", "-version"} {
		code, out, errs := cliRun(t, nil, arg)
		assert.Equal(t, exitOK, code, arg+": "+errs)
		assert.Equal(t, want, out, arg)
		assert.Empty(t, errs, arg)
	}
}
