package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"loyalcheck/load"
)

// `vegeta report results.bin` must count what loyalcheck counts: the file
// holds one result per request and nothing else; sessions have their own
// file, which vegeta reads as well.
func TestResultsFilesAgreeWithVegeta(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := cliRun(t, nil, "load", "--scenario", "checkout", "--rate", "20/s", "--duration", "2s", "--out", dir)
	require.Contains(t, []int{exitOK, exitFail}, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Contains(t, out, filepath.Join(dir, "results.bin"))
	assert.Contains(t, out, filepath.Join(dir, "sessions.bin"))

	var sum load.Summary
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &sum))
	require.NotNil(t, sum.Total, "summary.json holds the totals over all steps")
	tot := sum.Totals()

	var vm vegeta.Metrics
	require.NoError(t, load.ReadResults(filepath.Join(dir, "results.bin"), func(r *vegeta.Result) error {
		assert.Equal(t, http.MethodPost, r.Method, "requests only")
		vm.Add(r)
		return nil
	}))
	vm.Close()
	require.Greater(t, tot.Requests, uint64(0))
	assert.Equal(t, tot.Requests, vm.Requests)
	assert.Equal(t, tot.StatusCodes, vm.StatusCodes)
	assert.Equal(t, tot.BytesIn, vm.BytesIn.Total)
	assert.InEpsilon(t, vm.Rate, tot.Rate, 1e-6)
	if tot.Refused == 0 && tot.Violations == 0 {
		assert.Equal(t, vm.Success, tot.Success)
		assert.InEpsilon(t, vm.Throughput, tot.Throughput, 1e-6)
	}

	var sessions vegeta.Metrics
	require.NoError(t, load.ReadResults(filepath.Join(dir, "sessions.bin"), func(r *vegeta.Result) error {
		assert.Equal(t, "SESSION", r.Method)
		sessions.Add(r)
		return nil
	}))
	sessions.Close()
	assert.Equal(t, sum.Session.Requests, sessions.Requests)
	assert.Equal(t, sum.Sessions.Started, sessions.Requests)
}
