package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The npm tools that check docs/openapi.yaml independently (@redocly/cli,
// @stoplight/prism-cli) are pinned by tools/npm/package.json and its
// lock file, and installed into bin/npm-tools (ignored by git) by 'make
// tools', which CI runs once, or else by the first test that needs them.
var (
	npmToolsSrc = repoFile("tools", "npm")
	npmToolsDir = repoFile("bin", "npm-tools")
)

// npmToolsInstallBound bounds an install by the tests; a first install
// downloads about 90 MB.
const npmToolsInstallBound = 10 * time.Minute

var npmInstall struct {
	once sync.Once
	bin  string // node_modules/.bin of the installed tools
	skip string // why they cannot be installed here
	err  error
}

// npmTool returns the path of an installed npm tool's executable,
// installing the pinned tools first unless bin/npm-tools already holds
// them. Without npm the test is skipped, unless LOYALCHECK_REQUIRE_TOOLS
// is set (CI sets it), when it fails.
func npmTool(t *testing.T, name string) string {
	t.Helper()
	npmInstall.once.Do(func() { npmInstall.bin, npmInstall.skip, npmInstall.err = installNPMTools() })
	switch {
	case npmInstall.skip != "" && os.Getenv("LOYALCHECK_REQUIRE_TOOLS") != "":
		t.Fatalf("%s and LOYALCHECK_REQUIRE_TOOLS is set", npmInstall.skip)
	case npmInstall.skip != "":
		t.Skipf("%s (set LOYALCHECK_REQUIRE_TOOLS to make this a failure)", npmInstall.skip)
	case npmInstall.err != nil:
		t.Fatal(npmInstall.err)
	}
	p := filepath.Join(npmInstall.bin, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is not among the installed npm tools (tools/npm/package.json): %v", name, err)
	}
	return p
}

func installNPMTools() (bin, skip string, err error) {
	// Absolute: the tools run in the repository's root.
	abs, err := filepath.Abs(npmToolsDir)
	if err != nil {
		return "", "", err
	}
	bin = filepath.Join(abs, "node_modules", ".bin")
	if npmToolsCurrent() {
		return bin, "", nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", "npm is not installed, so @redocly/cli and @stoplight/prism-cli cannot be", nil
	}
	if err := os.MkdirAll(npmToolsDir, 0o755); err != nil {
		return "", "", err
	}
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(npmToolsSrc, f))
		if err != nil {
			return "", "", err
		}
		if err := os.WriteFile(filepath.Join(npmToolsDir, f), b, 0o644); err != nil {
			return "", "", err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), npmToolsInstallBound)
	defer cancel()
	t0 := time.Now()
	cmd := exec.CommandContext(ctx, npm, "ci", "--prefix", npmToolsDir, "--no-audit", "--no-fund", "--loglevel=error")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", "", fmt.Errorf("npm ci --prefix %s: %w\n%s", npmToolsDir, err, tail(out, 2000))
	}
	fmt.Fprintf(os.Stderr, "installed the npm tools of tools/npm into %s in %s\n", npmToolsDir, time.Since(t0).Round(time.Second))
	return bin, "", nil
}

// npmToolsCurrent reports whether bin/npm-tools holds an install of
// exactly tools/npm's package.json and lock file.
func npmToolsCurrent() bool {
	for _, f := range []string{"package.json", "package-lock.json"} {
		want, err1 := os.ReadFile(filepath.Join(npmToolsSrc, f))
		got, err2 := os.ReadFile(filepath.Join(npmToolsDir, f))
		if err1 != nil || err2 != nil || !bytes.Equal(want, got) {
			return false
		}
	}
	_, err := os.Stat(filepath.Join(npmToolsDir, "node_modules", ".bin"))
	return err == nil
}

// toolEnv is the environment of the npm tools: no colour codes in what
// the tests parse, and no telemetry or update check leaving the machine.
func toolEnv() []string {
	return append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0",
		"REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
