package main

import (
	"io"
	"strings"
	"text/tabwriter"
)

// writeTable writes rows of cells in aligned columns, as the listing
// commands print them (a header is the first row).
func writeTable(w io.Writer, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		io.WriteString(tw, strings.Join(r, "\t")+"\n")
	}
	tw.Flush()
}
