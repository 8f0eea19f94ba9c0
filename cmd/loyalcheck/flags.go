package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// newFlags returns a flag set that reports errors instead of exiting, with
// a usage text made of the command's synopsis, description and flags.
func newFlags(e *env, name, synopsis, description string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: loyalcheck %s %s\n\n%s\n\nFlags:\n%s", name, synopsis,
			strings.TrimSpace(description), fs.FlagUsages())
	}
	return fs
}

// parseFlags parses args; done is true when the command should return code
// at once (after --help, or on a usage error already reported).
func parseFlags(e *env, fs *pflag.FlagSet, args []string) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, pflag.ErrHelp):
		return exitOK, true
	case err != nil:
		fmt.Fprintf(e.stderr, "loyalcheck %s: %v (see 'loyalcheck %s --help')\n", fs.Name(), err, fs.Name())
		return exitUsage, true
	}
	return exitOK, false
}

// usageErr prints a one-line usage error and returns exitUsage.
func usageErr(e *env, cmd string, format string, a ...any) int {
	fmt.Fprintf(e.stderr, "loyalcheck %s: %s\n", cmd, fmt.Sprintf(format, a...))
	return exitUsage
}

// acceptUnverifiedUsage is the help of --accept-unverified, on every
// command that makes a contract verdict.
const acceptUnverifiedUsage = "rule ids, comma-separated, whose being left unverified is accepted (e.g. S3,C5): they no longer make the verdict INCOMPLETE"
