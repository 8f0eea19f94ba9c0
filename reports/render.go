package reports

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"loyalcheck/api"

	"loyalcheck/reports/record"
)

// Format names a report format.
type Format string

// The report formats' names; FormatSpecs says what each is.
const (
	FormatText     Format = "text"  // the terminal report
	FormatMarkdown Format = "md"    // a pull-request comment
	FormatHTML     Format = "html"  // one self-contained page
	FormatJUnit    Format = "junit" // JUnit XML for CI
	FormatJSON     Format = "json"  // the run record itself
)

// A Reporter writes a record in one format, like vegeta's Reporter.
type Reporter func(io.Writer, *record.Record) error

// FormatSpec is one report format: one row of the table every command
// and help text reads, so that a format is added in one place.
type FormatSpec struct {
	Name    Format
	Aliases []string
	// File is the format's file in a run directory.
	File string
	// About says what the format is for, in help texts.
	About string
	Write Reporter
	// styled writes the format with the options it reads (the text
	// report's colour and evidence of passes); nil when it reads none.
	styled func(io.Writer, *record.Record, options) error
	// IsRecord marks the run record itself: re-rendering a run's reports
	// leaves it as it is.
	IsRecord bool
}

// FormatSpecs is the table of formats, in the order WriteAll writes them.
func FormatSpecs() []FormatSpec {
	return []FormatSpec{
		{Name: FormatText, Aliases: []string{"txt"}, File: "report.txt", About: "the terminal report",
			Write: func(w io.Writer, r *record.Record) error { return renderText(w, r, options{}) }, styled: renderText},
		{Name: FormatMarkdown, Aliases: []string{"markdown"}, File: "report.md", About: "Markdown for a pull-request comment", Write: renderMarkdown},
		{Name: FormatHTML, File: "report.html", About: "the self-contained HTML report", Write: renderHTML},
		{Name: FormatJUnit, Aliases: []string{"xml"}, File: "junit.xml", About: "JUnit XML for CI", Write: renderJUnit},
		{Name: FormatJSON, File: record.File, About: "the run record itself", Write: writeJSON, IsRecord: true},
	}
}

// Formats lists every format's name, in the order WriteAll writes them.
func Formats() []Format {
	var out []Format
	for _, s := range FormatSpecs() {
		out = append(out, s.Name)
	}
	return out
}

// ReportFormats lists the formats of a run's reports: every format but
// the run record itself.
func ReportFormats() []Format {
	var out []Format
	for _, s := range FormatSpecs() {
		if !s.IsRecord {
			out = append(out, s.Name)
		}
	}
	return out
}

// FormatNames is the formats' names for a help text or an error:
// "text, md, html, junit or json".
func FormatNames() string {
	names := Formats()
	var b strings.Builder
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(string(n))
	}
	return b.String()
}

// ParseFormat reads a format name or one of its aliases ("markdown",
// "txt", "xml"), in any case.
func ParseFormat(s string) (Format, error) {
	want := strings.ToLower(strings.TrimSpace(s))
	for _, f := range FormatSpecs() {
		if want == string(f.Name) {
			return f.Name, nil
		}
		for _, a := range f.Aliases {
			if want == a {
				return f.Name, nil
			}
		}
	}
	return "", fmt.Errorf("unknown format %q (want %s)", s, FormatNames())
}

// Spec returns the format's row of the table.
func (f Format) Spec() (FormatSpec, bool) {
	for _, s := range FormatSpecs() {
		if s.Name == f {
			return s, true
		}
	}
	return FormatSpec{}, false
}

// FileName is the name WriteAll gives the format's file.
func (f Format) FileName() string {
	s, _ := f.Spec()
	return s.File
}

// Option changes how a report is rendered.
type Option func(*options)

type options struct {
	color   bool
	verbose bool
	red     *api.Redactor
}

// WithColor turns ANSI colour on or off in a format that has colour (the
// text report; default off: the caller decides, for a terminal with
// NO_COLOR unset). Other formats ignore it.
func WithColor(on bool) Option { return func(o *options) { o.color = on } }

// WithRedactor passes every rendered byte through red's output safety net
// (api.Redactor.Output), whatever the format.
func WithRedactor(red *api.Redactor) Option { return func(o *options) { o.red = red } }

// WithVerbose makes the text report list passing checks too, with the
// evidence of every case and the earlier exchanges each rests on (every
// other format always holds all of it). Other formats ignore it.
func WithVerbose(on bool) Option { return func(o *options) { o.verbose = on } }

// Render writes the record in format f. It renders the record as it is:
// the verdict is the recorded one (call Judge to compute it).
func Render(w io.Writer, r *record.Record, f Format, opts ...Option) error {
	if r == nil {
		return fmt.Errorf("reports: no record")
	}
	s, ok := f.Spec()
	if !ok {
		return fmt.Errorf("reports: unknown format %q", f)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	write := s.Write
	if s.styled != nil {
		write = func(w io.Writer, r *record.Record) error { return s.styled(w, r, o) }
	}
	if o.red == nil {
		return write(w, r)
	}
	var buf bytes.Buffer
	if err := write(&buf, r); err != nil {
		return err
	}
	_, err := w.Write(o.red.Output(buf.Bytes()))
	return err
}

func writeJSON(w io.Writer, r *record.Record) error {
	b, err := r.Encode()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// WriteAll writes every format into dir (created if needed): the reports
// (no colour) and run.json. It returns the path of each file written.
// Options apply to every file (colour is for the terminal: leave it off).
func WriteAll(dir string, r *record.Record, opts ...Option) (map[Format]string, error) {
	return WriteFormats(dir, r, Formats(), opts...)
}

// WriteFormats writes the given formats into dir, each under its
// FileName; `loyalcheck report` uses it to re-render reports without
// rewriting run.json.
func WriteFormats(dir string, r *record.Record, formats []Format, opts ...Option) (map[Format]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	paths := map[Format]string{}
	for _, f := range formats {
		var buf bytes.Buffer
		if err := Render(&buf, r, f, opts...); err != nil {
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
