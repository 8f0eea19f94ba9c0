package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"loyalcheck/api"
)

// ReportOptions tune the terminal report.
type ReportOptions struct {
	// Color adds ANSI colours to statuses (only when asked for).
	Color bool
	// Verbose lists passes' evidence and the trail of failures too.
	Verbose bool
	// MaxBody cuts bodies shown in the report (default 300 bytes).
	MaxBody int
}

const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
)

// WriteReport renders the result as text: findings grouped by area (one
// per endpoint, then general, ledger and bad input), failures and warnings
// with their evidence, and a summary line.
func WriteReport(w io.Writer, r *Result, o ReportOptions) error {
	if o.MaxBody <= 0 {
		o.MaxBody = 300
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "loyalcheck contract: %s (profile %s)\n", r.Target, r.Profile)
	rank := map[string]int{}
	for i, rule := range api.Rules() {
		rank[rule.ID] = i
	}
	byArea := map[string][]Finding{}
	for _, f := range r.Findings {
		byArea[f.Area] = append(byArea[f.Area], f)
	}
	for _, area := range reportAreas() {
		fs := byArea[area]
		if len(fs) == 0 {
			continue
		}
		sort.SliceStable(fs, func(i, j int) bool { return rank[fs[i].Rule] < rank[fs[j].Rule] })
		fmt.Fprintf(&b, "\n%s\n", areaTitle(area))
		for _, f := range fs {
			fmt.Fprintf(&b, "  %s %-4s %-22s %s\n", o.status(f.Status), f.Rule, f.Check, oneLine(f.Message))
			if f.Status == Fail || f.Status == Warn || (o.Verbose && f.Evidence != nil) {
				if f.Evidence != nil {
					writeEvidence(&b, f.Evidence, o)
				}
				if o.Verbose {
					for i := range f.Trail {
						fmt.Fprintf(&b, "        %s(earlier)%s\n", o.dim(), o.reset())
						writeEvidence(&b, &f.Trail[i], o)
					}
				}
			}
		}
	}
	s := r.Summary
	fmt.Fprintf(&b, "\nsummary: %d pass, %d fail, %d warn, %d skip in %s\n", s.Pass, s.Fail, s.Warn, s.Skip,
		r.Duration().Round(time.Millisecond))
	_, err := w.Write(b.Bytes())
	return err
}

// reportAreas orders areas as the API is called: endpoints first.
func reportAreas() []string {
	return []string{api.AreaSearch, api.AreaRecalc, api.AreaHold, api.AreaRetail, api.AreaGeneral,
		api.AreaLedger, api.AreaBadInput}
}

func areaTitle(a string) string {
	switch a {
	case api.AreaSearch:
		return "search  POST " + api.EpSearch.Path()
	case api.AreaRecalc:
		return "recalc  POST " + api.EpRecalc.Path()
	case api.AreaHold:
		return "hold    POST " + api.EpHold.Path() + ", " + api.EpRelease.Path()
	case api.AreaRetail:
		return "retail  POST " + api.EpRetail.Path()
	}
	return a
}

func writeEvidence(b *bytes.Buffer, ev *Evidence, o ReportOptions) {
	method := ev.Method
	if method == "" {
		method = "POST"
	}
	key := ""
	if ev.KeySent != "" {
		key = "  [apikey: " + ev.KeySent + "]"
	}
	fmt.Fprintf(b, "        %s> %s %s%s %s%s\n", o.dim(), method, ev.URL, key, cut(ev.Request, o.MaxBody), o.reset())
	if ev.Status != 0 || len(ev.Body) > 0 {
		fmt.Fprintf(b, "        %s< %d %s%s\n", o.dim(), ev.Status, cut(ev.Body, o.MaxBody), o.reset())
	}
	if ev.Note != "" {
		fmt.Fprintf(b, "        %s  %s%s\n", o.dim(), ev.Note, o.reset())
	}
}

// cut renders raw JSON on one line, at most n bytes (a JSON string of a
// non-JSON body is shown unquoted).
func cut(raw json.RawMessage, n int) string {
	if len(raw) == 0 {
		return ""
	}
	s := string(raw)
	var str string
	if raw[0] == '"' && json.Unmarshal(raw, &str) == nil {
		s = strings.ReplaceAll(str, "\n", "\\n")
	}
	return api.Snippet([]byte(s), n)
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

func (o ReportOptions) status(s Status) string {
	label := strings.ToUpper(string(s))
	if !o.Color {
		return label
	}
	switch s {
	case Pass:
		return ansiGreen + label + ansiReset
	case Fail:
		return ansiRed + label + ansiReset
	case Warn:
		return ansiYellow + label + ansiReset
	}
	return ansiDim + label + ansiReset
}

func (o ReportOptions) dim() string {
	if o.Color {
		return ansiDim
	}
	return ""
}

func (o ReportOptions) reset() string {
	if o.Color {
		return ansiReset
	}
	return ""
}
