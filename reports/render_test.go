package reports

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"loyalcheck/reports/record"
)

// The format table is the only place a format is defined: every row
// renders the golden record, and names, aliases and files are unique.
func TestFormatTable(t *testing.T) {
	seen := map[string]bool{}
	files := map[string]bool{}
	records := 0
	for _, f := range FormatSpecs() {
		for _, n := range append([]string{string(f.Name)}, f.Aliases...) {
			assert.False(t, seen[n], "name %q used twice", n)
			seen[n] = true
			got, err := ParseFormat(strings.ToUpper(n))
			require.NoError(t, err)
			assert.Equal(t, f.Name, got)
		}
		assert.False(t, files[f.File], "file %q used twice", f.File)
		files[f.File] = true
		assert.NotEmpty(t, f.About)
		require.NotNil(t, f.Write, f.Name)
		var b strings.Builder
		require.NoError(t, f.Write(&b, goldenRecord()))
		assert.NotEmpty(t, b.String(), f.Name)
		assert.NotContains(t, b.String(), "\033[", "%s: colour only through WithColor", f.Name)
		var c strings.Builder
		require.NoError(t, Render(&c, goldenRecord(), f.Name, WithColor(true), WithVerbose(true)))
		if f.Name != FormatText {
			assert.Equal(t, b.String(), c.String(), "%s reads no option", f.Name)
		} else {
			assert.Contains(t, c.String(), "\033[", f.Name)
		}
		if f.IsRecord {
			records++
			assert.Equal(t, record.File, f.File)
		}
	}
	assert.Equal(t, 1, records, "one row is the run record")
	assert.Equal(t, len(FormatSpecs())-1, len(ReportFormats()))
	assert.Equal(t, "text, md, html, junit or json", FormatNames())
	_, err := ParseFormat("pdf")
	assert.ErrorContains(t, err, "want text, md, html, junit or json")
}
