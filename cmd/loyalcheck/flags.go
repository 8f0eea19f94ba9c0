package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// flagGroup is a group of flags several commands share (targetFlags,
// loadFlags, contractFlags, colorFlag, ...): newFlags registers it on each
// command's flag set, and parseFlags checks it, so every command refuses
// a bad value with the same one-line message before anything runs.
type flagGroup interface {
	register(fs *pflag.FlagSet)
	check(fs *pflag.FlagSet) error
}

// flagSet is a command's flags: the groups it shares, then its own.
type flagSet struct {
	*pflag.FlagSet
	groups []flagGroup
}

// newFlags returns a flag set that reports errors instead of exiting, with
// a usage text made of the command's synopsis, description and flags, and
// the groups' flags registered first.
func newFlags(e *env, name, synopsis, description string, groups ...flagGroup) *flagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: loyalcheck %s %s\n\n%s\n\nFlags:\n%s", name, synopsis,
			strings.TrimSpace(description), fs.FlagUsages())
	}
	for _, g := range groups {
		g.register(fs)
	}
	return &flagSet{fs, groups}
}

// noArgs is the group of a command that takes flags only.
type noArgs struct{}

func (noArgs) register(*pflag.FlagSet) {}

func (noArgs) check(fs *pflag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// parseFlags parses args and checks the command's flag groups; done is
// true when the command should return code at once (after --help, or on a
// usage error already reported).
func parseFlags(e *env, fs *flagSet, args []string) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, pflag.ErrHelp):
		return exitOK, true
	case err != nil:
		fmt.Fprintf(e.stderr, "loyalcheck %s: %v (see 'loyalcheck %s --help')\n", fs.Name(), err, fs.Name())
		return exitUsage, true
	}
	for _, g := range fs.groups {
		if err := g.check(fs.FlagSet); err != nil {
			return usageErr(e, fs.Name(), "%v", err), true
		}
	}
	return exitOK, false
}

// usageErr prints a one-line usage error and returns exitUsage.
func usageErr(e *env, cmd string, format string, a ...any) int {
	fmt.Fprintf(e.stderr, "loyalcheck %s: %s\n", cmd, fmt.Sprintf(format, a...))
	return exitUsage
}

// colorFlag is --color of the commands that print a report.
type colorFlag string

func (c *colorFlag) register(fs *pflag.FlagSet) {
	*c = "auto"
	fs.StringVar((*string)(c), "color", "auto", "colour the terminal report: auto (a terminal and NO_COLOR unset), always or never")
}

func (c *colorFlag) check(*pflag.FlagSet) error {
	switch *c {
	case "auto", "always", "never":
		return nil
	}
	return fmt.Errorf("--color: want auto, always or never, not %q", string(*c))
}

// on tells whether stdout gets colour.
func (c colorFlag) on(e *env) bool {
	return c == "always" || c == "auto" && e.stdoutIsTTY && e.getenv("NO_COLOR") == ""
}

// parseShare reads a share written as a percentage ("5%") or a fraction
// ("0.05"), and refuses one outside 0..1 (NaN included).
func parseShare(s string) (float64, error) {
	t := strings.TrimSpace(s)
	f, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if err == nil && strings.HasSuffix(t, "%") {
		f /= 100
	}
	if err != nil || !(f >= 0 && f <= 1) { // NaN is neither
		return 0, fmt.Errorf("%q: want a share between 0 and 1, like 5%% or 0.05", s)
	}
	return f, nil
}
