package reports

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Format is a report format.
type Format string

// The report formats.
const (
	FormatText     Format = "text"  // the terminal report
	FormatMarkdown Format = "md"    // a pull-request comment
	FormatHTML     Format = "html"  // one self-contained page
	FormatJUnit    Format = "junit" // JUnit XML for CI
	FormatJSON     Format = "json"  // the run record itself
)

// Formats lists every format, in the order WriteAll writes them.
func Formats() []Format {
	return []Format{FormatText, FormatMarkdown, FormatHTML, FormatJUnit, FormatJSON}
}

// ParseFormat reads a format name; "markdown", "txt", "xml" are accepted
// as aliases.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "text", "txt":
		return FormatText, nil
	case "md", "markdown":
		return FormatMarkdown, nil
	case "html":
		return FormatHTML, nil
	case "junit", "xml":
		return FormatJUnit, nil
	case "json":
		return FormatJSON, nil
	}
	return "", fmt.Errorf("unknown format %q (want text, md, html, junit or json)", s)
}

// FileName is the name WriteAll gives the format's file.
func (f Format) FileName() string {
	switch f {
	case FormatText:
		return "report.txt"
	case FormatMarkdown:
		return "report.md"
	case FormatHTML:
		return "report.html"
	case FormatJUnit:
		return "junit.xml"
	case FormatJSON:
		return RecordFile
	}
	return ""
}

// Option changes how a report is rendered.
type Option func(*options)

type options struct {
	color bool
}

// WithColor turns ANSI colour on or off in the text report (default off;
// the caller decides: a terminal, and NO_COLOR unset). Other formats
// ignore it.
func WithColor(on bool) Option { return func(o *options) { o.color = on } }

// Render writes the record in format f. It renders the record as it is:
// the verdict is the recorded one (call Judge to compute it).
func Render(w io.Writer, r *Record, f Format, opts ...Option) error {
	if r == nil {
		return fmt.Errorf("reports: no record")
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	switch f {
	case FormatText:
		return renderText(w, r, &o)
	case FormatMarkdown:
		return renderMarkdown(w, r)
	case FormatHTML:
		return renderHTML(w, r)
	case FormatJUnit:
		return renderJUnit(w, r)
	case FormatJSON:
		b, err := r.Encode()
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	return fmt.Errorf("reports: unknown format %q", f)
}

// WriteAll writes every format into dir (created if needed): report.txt
// (no colour), report.md, report.html, junit.xml and run.json. It returns
// the path of each file written.
func WriteAll(dir string, r *Record) (map[Format]string, error) {
	return WriteFormats(dir, r, Formats()...)
}

// WriteFormats writes the given formats into dir, each under its
// FileName; `loyalcheck report` uses it to re-render reports without
// rewriting run.json.
func WriteFormats(dir string, r *Record, formats ...Format) (map[Format]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	paths := map[Format]string{}
	for _, f := range formats {
		var buf bytes.Buffer
		if err := Render(&buf, r, f); err != nil {
			return paths, fmt.Errorf("reports: %s: %w", f, err)
		}
		p := filepath.Join(dir, f.FileName())
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			return paths, fmt.Errorf("reports: %w", err)
		}
		paths[f] = p
	}
	return paths, nil
}
