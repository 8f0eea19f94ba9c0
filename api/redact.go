package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Redacted replaces the apikey wherever it is found.
const Redacted = "[redacted]"

// MinSafeKeyLen is the shortest key the output safety net redacts. A key
// this long does not occur in the product's own words and figures by
// chance, so any occurrence in output is a leak and goes. A shorter key
// would: "k" is inside "cashback" and "asked_rate", "1" inside every
// count. Such a key is redacted only where it can leak, in what came from
// the target (Body, Text, Err), and there only as a whole token, never
// inside a longer word; the product's own text and figures are left as
// they are.
const MinSafeKeyLen = 8

// Redactor removes an apikey, in every form a target could echo it, from
// text. It knows the key as sent, JSON-escaped (\u0073 for any or all of
// its characters, either hex case), percent- or query-escaped, written as
// HTML character references, and base64 encoded (standard or URL
// alphabet, padded or raw), and any mix of these.
//
// It has two uses. Body, Text and Err redact outside data (response
// bodies, error texts) where it enters the product, so the evidence and
// every message built from it hold redacted values. Output and Writer are
// the last-line safety net on everything the product writes; they act on
// keys of MinSafeKeyLen or more only (see there why). A nil or zero
// Redactor redacts nothing.
type Redactor struct {
	long  *regexp.Regexp // keys >= MinSafeKeyLen: matched anywhere
	short *regexp.Regexp // shorter keys: matched as whole tokens, outside data only
}

// NewRedactor returns a redactor for the given keys; empty keys are
// ignored.
func NewRedactor(keys ...string) *Redactor {
	var long, short []string
	for _, k := range keys {
		switch {
		case k == "":
		case len(k) >= MinSafeKeyLen:
			long = append(long, keyForms(k)...)
		default:
			short = append(short, keyForms(k)...)
		}
	}
	return &Redactor{long: compileForms(long), short: compileForms(short)}
}

func compileForms(forms []string) *regexp.Regexp {
	if len(forms) == 0 {
		return nil
	}
	return regexp.MustCompile("(?:" + strings.Join(forms, "|") + ")" + padding)
}

// keyForms returns patterns for the key and its base64 encodings, each
// character in any of its escaped spellings.
func keyForms(k string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range []string{
		k,
		base64.RawStdEncoding.EncodeToString([]byte(k)),
		base64.RawURLEncoding.EncodeToString([]byte(k)),
	} {
		if !seen[s] {
			seen[s] = true
			out = append(out, spelled(s))
		}
	}
	return out
}

// padding swallows base64 padding after a match, in any spelling.
var padding = "(?:" + charForms('=') + ")*"

func spelled(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteString(charForms(r))
	}
	return b.String()
}

// charForms is a pattern for one character in every spelling a JSON,
// URL or HTML encoder (or a hand-made echo) could give it.
func charForms(r rune) string {
	alts := []string{regexp.QuoteMeta(string(r))}
	if r < 0x10000 {
		alts = append(alts, `\\u`+hexCI(uint32(r), 4))
	} else if r <= utf8.MaxRune {
		r -= 0x10000
		alts = append(alts, `\\u`+hexCI(uint32(0xD800+(r>>10)), 4)+`\\u`+hexCI(uint32(0xDC00+(r&0x3FF)), 4))
		r += 0x10000
	}
	var pct strings.Builder
	for _, c := range []byte(string(r)) {
		pct.WriteString("%" + hexCI(uint32(c), 2))
	}
	alts = append(alts, pct.String(),
		"&#0*"+strconv.Itoa(int(r))+";",
		"&#[xX]0*"+hexCI(uint32(r), 0)+";")
	switch r {
	case ' ':
		alts = append(alts, `\+`)
	case '/':
		alts = append(alts, `\\/`)
	case '"':
		alts = append(alts, `\\"`)
	case '\\':
		alts = append(alts, `\\\\`)
	}
	return "(?:" + strings.Join(alts, "|") + ")"
}

// hexCI writes v in hex (at least width digits) with each letter as a
// class of both cases.
func hexCI(v uint32, width int) string {
	h := strconv.FormatUint(uint64(v), 16)
	for len(h) < width {
		h = "0" + h
	}
	var b strings.Builder
	for _, c := range h {
		if c >= 'a' && c <= 'f' {
			b.WriteString("[" + string(c) + string(c-'a'+'A') + "]")
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// Text redacts outside text: long keys anywhere, short keys where they
// stand as a whole token.
func (r *Redactor) Text(s string) string {
	if r == nil {
		return s
	}
	if r.long != nil {
		s = r.long.ReplaceAllLiteralString(s, Redacted)
	}
	if r.short != nil {
		s = replaceTokens(r.short, s)
	}
	return s
}

// replaceTokens replaces the matches of re that no letter or digit
// touches on either side.
func replaceTokens(re *regexp.Regexp, s string) string {
	idx := re.FindAllStringIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range idx {
		if (m[0] > 0 && isAlnum(s[m[0]-1])) || (m[1] < len(s) && isAlnum(s[m[1]])) {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(Redacted)
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// Body redacts a body that came from the target. A JSON body stays valid
// JSON: the key is replaced inside its strings (names and values, decoded
// first, so any escaping is seen through), and a number holding a long
// key becomes the string "[redacted]". Any other body is redacted as text.
func (r *Redactor) Body(b []byte) []byte {
	if r == nil || (r.long == nil && r.short == nil) || len(b) == 0 {
		return b
	}
	if !json.Valid(b) {
		return []byte(r.Text(string(b)))
	}
	if !bytes.ContainsRune(b, '\\') && (r.long == nil || !r.long.Match(b)) && (r.short == nil || !r.short.Match(b)) {
		return b // the common case: nothing to look at
	}
	return redactJSON(b, r.Text, r.long)
}

// Err returns err with a redacted message; errors.Is and errors.As still
// see the errors it wraps. nil stays nil.
func (r *Redactor) Err(err error) error {
	if err == nil || r == nil {
		return err
	}
	msg := err.Error()
	if red := r.Text(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// Output is the safety net on the product's own output: it redacts keys
// of MinSafeKeyLen or more anywhere, in every form, and leaves shorter
// keys alone (they would match the product's own words and figures).
// Valid JSON stays valid: the key is replaced inside its strings.
func (r *Redactor) Output(b []byte) []byte {
	if r == nil || r.long == nil || !r.long.Match(b) && !bytes.ContainsRune(b, '\\') {
		return b
	}
	if json.Valid(b) {
		return redactJSON(b, func(s string) string { return r.long.ReplaceAllLiteralString(s, Redacted) }, nil)
	}
	return r.long.ReplaceAllLiteral(b, []byte(Redacted))
}

// OutputString is Output for a string.
func (r *Redactor) OutputString(s string) string { return string(r.Output([]byte(s))) }

// redactJSON applies f to every string of a valid JSON document and,
// when num is set, turns a number that num matches into a redacted string.
func redactJSON(b []byte, f func(string) string, num *regexp.Regexp) []byte {
	var out bytes.Buffer
	last := 0
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '"':
			end := stringEnd(b, i)
			lit := b[i:end]
			var s string
			if bytes.IndexByte(lit, '\\') < 0 {
				s = string(lit[1 : len(lit)-1])
			} else if err := json.Unmarshal(lit, &s); err != nil {
				i = end
				continue
			}
			if red := f(s); red != s {
				out.Write(b[last:i])
				out.Write(quoteJSON(red))
				last = end
			}
			i = end
		case num != nil && (c == '-' || c >= '0' && c <= '9'):
			end := i
			for end < len(b) && bytes.IndexByte([]byte("+-.0123456789eE"), b[end]) >= 0 {
				end++
			}
			if num.Match(b[i:end]) {
				out.Write(b[last:i])
				out.Write(quoteJSON(Redacted))
				last = end
			}
			i = end
		default:
			i++
		}
	}
	if last == 0 {
		return b
	}
	out.Write(b[last:])
	return out.Bytes()
}

// stringEnd returns the index just past the JSON string starting at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

func quoteJSON(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// Writer returns w behind the output safety net. It redacts whole lines
// (a key never spans one), so text is held until a line ends ('\n' or
// '\r'), Flush is called or MaxPending bytes wait. With no key long
// enough to redact it returns w itself.
func (r *Redactor) Writer(w io.Writer) io.Writer {
	if r == nil || r.long == nil {
		return w
	}
	return &redactWriter{r: r, w: w}
}

// maxPending bounds what a Writer holds waiting for the end of a line.
const maxPending = 64 << 10

type redactWriter struct {
	r   *Redactor
	w   io.Writer
	mu  sync.Mutex
	buf []byte
}

func (rw *redactWriter) Write(p []byte) (int, error) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	rw.buf = append(rw.buf, p...)
	i := bytes.LastIndexAny(rw.buf, "\n\r")
	if i < 0 && len(rw.buf) < maxPending {
		return len(p), nil
	}
	if i < 0 {
		i = len(rw.buf) - 1
	}
	if err := rw.emit(i + 1); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (rw *redactWriter) emit(n int) error {
	chunk := rw.r.long.ReplaceAllLiteral(rw.buf[:n], []byte(Redacted))
	rest := copy(rw.buf, rw.buf[n:])
	rw.buf = rw.buf[:rest]
	if _, err := rw.w.Write(chunk); err != nil {
		return fmt.Errorf("redacted output: %w", err)
	}
	return nil
}

// Flush writes what is held.
func (rw *redactWriter) Flush() error {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if len(rw.buf) == 0 {
		return nil
	}
	return rw.emit(len(rw.buf))
}
