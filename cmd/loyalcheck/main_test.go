package main

import (
	"os"
	"testing"
)

// childEnv makes the test binary run loyalcheck's main instead of the
// tests, so tests can start the real command as a separate process (and
// kill it) without building it first: os.Args[0] is the child.
const childEnv = "LOYALCHECK_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main() // exits
		return
	}
	os.Exit(m.Run())
}
