package reports

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"loyalcheck/reports/record"
)

// FuzzDecodeRecord feeds arbitrary bytes to the run.json reader behind
// `loyalcheck report DIR`. An accepted record re-encodes to a fixed point
// (encode, decode, encode gives the same bytes), and every renderer and
// the verdict take it without panicking.
func FuzzDecodeRecord(f *testing.F) {
	for _, name := range []string{"golden.run.json", "golden.capacity.run.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(f, err)
		f.Add(b)
	}
	v := strconv.Itoa(record.Version)
	for _, s := range []string{
		`{"version":` + v + `,"kind":"load"}`,
		`{"version":` + v + `,"kind":"capacity","capacity":{"steps":[{}]},"thresholds":[{}]}`,
		`{"version":` + v + `,"kind":"accept","load":{"steps":[{"name":"retail"}]},"contract":{"findings":[{"rule":"G1"}]}}`,
		`{"version":` + v + `,"kind":"load","started":"2024-01-01T00:00:00+23:59"}`,
		`{"version":` + v + `}`, `{"version":0,"kind":"load"}`, `{"kind":"load"}`, `<html>`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := record.Decode(b)
		if err != nil {
			return
		}
		first, err := r.Encode()
		require.NoError(t, err)
		r2, err := record.Decode(first)
		require.NoError(t, err, "%s", first)
		second, err := r2.Encode()
		require.NoError(t, err)
		require.Equal(t, string(first), string(second))

		for _, f := range Formats() {
			_ = Render(io.Discard, r2, f)
		}
		Judge(r2)
	})
}
