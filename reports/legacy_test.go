package reports

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"loyalcheck/reports/record"
)

// Records of version 2, written by the loyalcheck before the record had
// its own types (contract --out, a short load --out, the golden capacity
// search and accept run), still decode and render as that loyalcheck
// rendered them: its text and Markdown reports are kept beside them.
// Only the record version in the reports' footer changes.
func TestLegacyRecordsRender(t *testing.T) {
	for _, kind := range []string{record.KindAccept, record.KindContract, record.KindLoad, record.KindCapacity} {
		t.Run(kind, func(t *testing.T) {
			dir := filepath.Join("record", "testdata")
			r, err := record.Read(filepath.Join(dir, "v2."+kind+".run.json"))
			require.NoError(t, err)
			assert.Equal(t, kind, r.Kind)
			for _, f := range []struct {
				format Format
				ext    string
			}{{FormatText, "txt"}, {FormatMarkdown, "md"}} {
				want, err := os.ReadFile(filepath.Join(dir, "v2."+kind+"."+f.ext))
				require.NoError(t, err)
				got := render(t, r, f.format)
				assert.Equal(t, strings.ReplaceAll(string(want), "record v2", fmt.Sprintf("record v%d", record.Version)), got, "%s as loyalcheck rendered it at version 2", f.format)
			}
			for _, f := range []Format{FormatHTML, FormatJUnit} {
				assert.NotEmpty(t, render(t, r, f), f)
			}
			// Written again, it is a record of this version.
			b, err := r.Encode()
			require.NoError(t, err)
			validateRecord(t, b)
			again, err := record.Decode(b)
			require.NoError(t, err)
			assert.Equal(t, r.Verdict, again.Verdict)
		})
	}
}
