package reports

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"loyalcheck/reports/record"
)

// A run that stopped before judging the target still yields a record and
// every report, failing with the reason, so CI shows why the gate failed.
func TestRecordOfAStoppedRun(t *testing.T) {
	r := record.New(record.KindAccept, "test")
	r.Target = record.TargetOf("http://127.0.0.1:1", false)
	r.Error = &record.RunError{Kind: record.ErrorConfig, Message: "fixtures do not match the target: 2 of 3 fixture clients unknown to the target (1, 2)"}
	r.Ended = r.Started
	Judge(r)
	assert.False(t, r.Verdict.Pass)
	assert.Equal(t, []string{"run stopped (config): " + r.Error.Message}, r.Verdict.Reasons)

	dir := t.TempDir()
	writeValidated(t, dir, r)
	paths, err := WriteAll(dir, r)
	require.NoError(t, err)
	for _, f := range Formats() {
		b, err := os.ReadFile(paths[f])
		require.NoError(t, err, f)
		assert.Contains(t, string(b), "2 of 3 fixture clients unknown", f)
	}
	b, err := os.ReadFile(filepath.Join(dir, FormatJUnit.FileName()))
	require.NoError(t, err)
	var doc struct {
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(b, &doc))
	require.Len(t, doc.Suites, 1)
	require.Len(t, doc.Suites[0].Cases, 1)
	c := doc.Suites[0].Cases[0]
	require.NotNil(t, c.Failure)
	assert.Equal(t, "config", c.Failure.Type)
	assert.Contains(t, c.Failure.Message, "unknown to the target")

	back, err := record.Read(dir)
	require.NoError(t, err)
	assert.Equal(t, r.Error, back.Error)
}
