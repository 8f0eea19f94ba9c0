package main

import (
	"context"
	"encoding/json"
	"fmt"

	"loyalcheck/schemas"
)

func runSchemas(ctx context.Context, e *env, args []string) int {
	const cmd = "schemas"
	fs := newFlags(e, cmd, "[--out DIR]", `
List the JSON Schemas (draft-07) of everything that crosses the wire of the
loyalty API: each endpoint's request and success answer, and the error
body. The contract and load commands validate every response against them;
each field names the rule it enforces ("x-rule"; see 'loyalcheck rules').

With --out DIR, write the schema files into DIR (created if needed,
files of the same names replaced), e.g. to validate with other tools.

Exit codes: 0 done; 2 usage error or DIR not writable.`)
	out := fs.String("out", "", "write the schema files into this directory")
	if code, done := parseFlags(e, fs, args, noArgs{}); done {
		return code
	}
	files := schemas.Files()
	if *out != "" {
		if err := schemas.WriteFiles(*out); err != nil {
			return usageErr(e, cmd, "%v", err)
		}
		fmt.Fprintf(e.stdout, "wrote %d schema files to %s\n", len(files), *out)
		return exitOK
	}
	var rows [][]string
	for _, f := range files {
		var doc struct {
			Title string `json:"title"`
		}
		_ = json.Unmarshal(f.Data, &doc)
		rows = append(rows, []string{f.Name, doc.Title})
	}
	writeTable(e.stdout, rows)
	return exitOK
}
