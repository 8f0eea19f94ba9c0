package main

import (
	"context"
	"encoding/json"
	"fmt"

	"loyalcheck/openapi"
	"loyalcheck/schemas"
)

func runSchemas(ctx context.Context, e *env, args []string) int {
	const cmd = "schemas"
	fs := newFlags(e, cmd, "[--out DIR] | --openapi [--json] [--out FILE]", `
List the JSON Schemas (draft-07) of everything that crosses the wire of the
loyalty API: each endpoint's request and success answer, and the error
body. The contract and load commands validate every response against them;
each field names the rule it enforces ("x-rule"; see 'loyalcheck rules').

With --out DIR, write the schema files into DIR (created if needed,
files of the same names replaced), e.g. to validate with other tools.

With --openapi, write an OpenAPI 3.1 description of the API generated
from the same schemas (in the JSON Schema 2020-12 dialect), as YAML, or
JSON with --json: the five POST operations, the apikey header, an example
exchange with the sandbox per operation, and the rule ids each operation
is checked against ("x-rules"). It goes to stdout, or to FILE with --out.
docs/openapi.yaml is this output ('make docs' regenerates it).

Exit codes: 0 done; 2 usage error or DIR/FILE not writable.`, noArgs{})
	out := fs.String("out", "", "write the schema files into this directory (with --openapi: the document to this file)")
	asOpenAPI := fs.Bool("openapi", false, "write an OpenAPI 3.1 document (YAML) instead")
	asJSON := fs.Bool("json", false, "with --openapi: JSON instead of YAML")
	if code, done := parseFlags(e, fs, args); done {
		return code
	}
	if *asOpenAPI {
		return writeOpenAPI(ctx, e, *out, *asJSON)
	}
	if *asJSON {
		return usageErr(e, cmd, "--json needs --openapi")
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

// writeOpenAPI generates the OpenAPI document to stdout or to path.
func writeOpenAPI(ctx context.Context, e *env, path string, asJSON bool) int {
	const cmd = "schemas"
	doc, err := openapi.Build(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
		return exitFail
	}
	b, err := doc.YAML()
	if asJSON {
		b, err = doc.JSON()
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "loyalcheck %s: %v\n", cmd, err)
		return exitFail
	}
	if path == "" {
		if _, err := e.stdout.Write(b); err != nil {
			return exitFail
		}
		return exitOK
	}
	if err := e.writeFile(path, b); err != nil {
		return usageErr(e, cmd, "%v", err)
	}
	fmt.Fprintf(e.stderr, "wrote %s\n", path)
	return exitOK
}
