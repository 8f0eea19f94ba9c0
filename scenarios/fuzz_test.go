package scenarios

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParse feeds arbitrary bytes to the scenario loader. A file it
// accepts must survive a round trip (its JSON form, which is YAML too,
// parses back to the same scenario, defaults included) and a file it
// refuses must get a one-line error naming the file.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"checkout", "hold-contention", "ramp", "read-only"} {
		b, ok := Source(name)
		require.True(f, ok, name)
		f.Add(b)
	}
	for _, s := range []string{
		"load: {rate: 5/s, duration: 2s}\nflows: [{name: a, weight: 1, steps: [{op: search}, {op: recalc}, {op: retail}]}]\n",
		"load: {pacer: sine, rate: 10/s, amplitude: 5/s, period: 1s, duration: 2s}\nflows: [{name: a, weight: 1, steps: [{op: search}]}]\n",
		"load: {rate: 1/s, duration: 1s}\nload: {rate: 2/s, duration: 1s}\n",
		"a: &x [1, 2]\nb: *x\n",
		"load: [unclosed\n",
		"",
		"null",
		"- 1\n- 2\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Parse(src, "fuzz.yaml")
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "scenario fuzz.yaml: ") || strings.Contains(msg, "\n") {
				t.Fatalf("error is not one line naming the file: %q", msg)
			}
			return
		}
		again, err := json.Marshal(s)
		require.NoError(t, err)
		s2, err := Parse(again, "again.yaml")
		require.NoError(t, err, "re-parsing %s", again)
		require.Equal(t, s, s2)
	})
}
