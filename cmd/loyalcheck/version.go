package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=..."; without
// it the module version or "dev" is reported.
var version = ""

func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func runVersion(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "version", "", "Print loyalcheck's version.")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	fmt.Fprintf(e.stdout, "loyalcheck %s\n", toolVersion())
	return exitOK
}
