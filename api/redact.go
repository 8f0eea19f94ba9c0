package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
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
	long  matcher // keys >= MinSafeKeyLen: matched anywhere
	short matcher // shorter keys: matched as whole tokens, outside data only
}

// NewRedactor returns a redactor for the given keys; empty keys are
// ignored.
func NewRedactor(keys ...string) *Redactor {
	r := &Redactor{}
	for _, k := range keys {
		switch {
		case k == "":
		case len(k) >= MinSafeKeyLen:
			r.long.add(k)
		default:
			r.short.add(k)
		}
	}
	return r
}

// matcher finds keys in any of their spellings. It is a small hand-made
// matcher rather than a regexp: Go's regexp took a millisecond for a
// response body with an alternation per character, and every answer of a
// load run passes here.
type matcher struct {
	forms [][]rune // each key and its base64 encodings
	// start holds the bytes a match can begin with; the scan skips every
	// other byte at once.
	start [256]bool
	// hints are substrings one of which every match holds: each form as
	// it is, and the start of each escape. Most answers hold none and
	// are passed over with a few fast searches.
	hints []string
}

// maybe reports whether b could hold a match.
func (m *matcher) maybe(b []byte) bool {
	for _, h := range m.hints {
		if h == "%" {
			// A bare percent sign is common in answers ("10%"); only
			// one before two hex digits can escape a key's character.
			if hasPercentEscape(b) {
				return true
			}
			continue
		}
		if bytes.Contains(b, []byte(h)) {
			return true
		}
	}
	return false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// hasPercentEscape reports whether b holds %XX with XX hex digits.
func hasPercentEscape(b []byte) bool {
	for i := bytes.IndexByte(b, '%'); i >= 0 && i+2 < len(b); {
		if isHex(b[i+1]) && isHex(b[i+2]) {
			return true
		}
		j := bytes.IndexByte(b[i+1:], '%')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

func (m *matcher) add(k string) {
	for _, f := range []string{
		k,
		base64.RawStdEncoding.EncodeToString([]byte(k)),
		base64.RawURLEncoding.EncodeToString([]byte(k)),
	} {
		if slices.ContainsFunc(m.forms, func(g []rune) bool { return string(g) == f }) {
			continue
		}
		m.forms = append(m.forms, []rune(f))
		m.start[f[0]] = true
		m.hints = append(m.hints, f)
		for _, c := range f {
			switch c {
			case ' ':
				m.start['+'] = true
				m.hints = append(m.hints, "+")
			case '/', '"', '\\':
				m.hints = append(m.hints, `\`+string(c))
			}
		}
	}
	m.start['\\'], m.start['%'], m.start['&'] = true, true, true
	m.hints = append(m.hints, `\u`, "%", "&#")
	slices.Sort(m.hints)
	m.hints = slices.Compact(m.hints)
}

func (m *matcher) empty() bool { return len(m.forms) == 0 }

// replace replaces every match in s by Redacted; with tokens, only those
// that no letter or digit touches on either side.
func (m *matcher) replace(s string, tokens bool) string {
	if m.empty() || !m.maybe([]byte(s)) {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if !m.start[s[i]] {
			continue
		}
		end := m.at(s, i)
		if end < 0 || tokens && (i > 0 && isAlnum(s[i-1]) || end < len(s) && isAlnum(s[end])) {
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(Redacted)
		last, i = end, end-1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// at returns the end of a match starting at s[i] (base64 padding
// included), or -1.
func (m *matcher) at(s string, i int) int {
	for _, f := range m.forms {
		if end := matchRunes(s, i, f); end >= 0 {
			for {
				n := spellings(s, end, '=', nil)
				if len(n) == 0 {
					return end
				}
				end += n[0]
			}
		}
	}
	return -1
}

// matchRunes returns the end of rs spelled from s[i], or -1.
func matchRunes(s string, i int, rs []rune) int {
	if len(rs) == 0 {
		return i
	}
	var buf [4]int
	for _, n := range spellings(s, i, rs[0], buf[:0]) {
		if end := matchRunes(s, i+n, rs[1:]); end >= 0 {
			return end
		}
	}
	return -1
}

// spellings appends to out the length of each spelling of c that s[i:]
// begins with: c itself, a JSON escape (\u hex of either case, a
// surrogate pair, \/ \" \\), percent-encoded UTF-8 bytes, an HTML
// character reference, and + for a space.
func spellings(s string, i int, c rune, out []int) []int {
	t := s[i:]
	if t == "" {
		return out
	}
	if lit := string(c); strings.HasPrefix(t, lit) {
		out = append(out, len(lit))
	}
	switch t[0] {
	case '\\':
		if n := jsonEscape(t, c); n > 0 {
			out = append(out, n)
		}
	case '%':
		if n := percentEscape(t, c); n > 0 {
			out = append(out, n)
		}
	case '&':
		if n := charRef(t, c); n > 0 {
			out = append(out, n)
		}
	case '+':
		if c == ' ' {
			out = append(out, 1)
		}
	}
	return out
}

func jsonEscape(t string, c rune) int {
	if len(t) < 2 {
		return 0
	}
	switch t[1] {
	case '/', '"', '\\':
		if rune(t[1]) == c {
			return 2
		}
	case 'u':
		v, ok := hexValue(t[2:], 4)
		switch {
		case !ok:
		case c < 0x10000 && rune(v) == c:
			return 6
		case c >= 0x10000:
			hi, lo := utf16.EncodeRune(c)
			if lo2, ok := hexValue(strings.TrimPrefix(t[6:], `\u`), 4); ok && rune(v) == hi && rune(lo2) == lo && strings.HasPrefix(t[6:], `\u`) {
				return 12
			}
		}
	}
	return 0
}

func percentEscape(t string, c rune) int {
	var enc [utf8.UTFMax]byte
	n := utf8.EncodeRune(enc[:], c)
	for k := 0; k < n; k++ {
		if len(t) < 3*k+3 || t[3*k] != '%' {
			return 0
		}
		if v, ok := hexValue(t[3*k+1:], 2); !ok || byte(v) != enc[k] {
			return 0
		}
	}
	return 3 * n
}

// charRef matches &#DDD; and &#xHHH; (any case, leading zeros).
func charRef(t string, c rune) int {
	if len(t) < 4 || t[1] != '#' {
		return 0
	}
	base, j := 10, 2
	if t[2] == 'x' || t[2] == 'X' {
		base, j = 16, 3
	}
	k := j
	for k < len(t) && k-j < 12 && t[k] != ';' {
		k++
	}
	if k == j || k >= len(t) || t[k] != ';' {
		return 0
	}
	v, err := strconv.ParseUint(t[j:k], base, 32)
	if err != nil || rune(v) != c {
		return 0
	}
	return k + 1
}

// hexValue reads exactly n hex digits at the start of t.
func hexValue(t string, n int) (uint32, bool) {
	if len(t) < n {
		return 0, false
	}
	v, err := strconv.ParseUint(t[:n], 16, 32)
	return uint32(v), err == nil
}

// Text redacts outside text: long keys anywhere, short keys where they
// stand as a whole token.
func (r *Redactor) Text(s string) string {
	if r == nil {
		return s
	}
	return r.short.replace(r.long.replace(s, false), true)
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// Body redacts a body that came from the target. A JSON body stays valid
// JSON: the key is replaced inside its strings (names and values, decoded
// first, so any escaping is seen through), and a number holding a long
// key becomes the string "[redacted]". Any other body is redacted as text.
func (r *Redactor) Body(b []byte) []byte {
	if r == nil || !r.long.maybe(b) && !r.short.maybe(b) {
		return b
	}
	if !json.Valid(b) {
		return []byte(r.Text(string(b)))
	}
	return redactJSON(b, r.Text, &r.long)
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
	if r == nil || !r.long.maybe(b) {
		return b
	}
	if json.Valid(b) {
		return redactJSON(b, func(s string) string { return r.long.replace(s, false) }, nil)
	}
	if s, red := string(b), r.long.replace(string(b), false); red != s {
		return []byte(red)
	}
	return b
}

// OutputString is Output for a string.
func (r *Redactor) OutputString(s string) string { return string(r.Output([]byte(s))) }

// redactJSON applies f to every string of a valid JSON document and,
// when num is set, turns a number that num matches into a redacted string.
func redactJSON(b []byte, f func(string) string, num *matcher) []byte {
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
			if tok := string(b[i:end]); num.replace(tok, false) != tok {
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
	if r == nil || r.long.empty() {
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
	chunk := rw.buf[:n]
	if s, red := string(chunk), rw.r.long.replace(string(chunk), false); red != s {
		chunk = []byte(red)
	}
	_, err := rw.w.Write(chunk) // before the shift below: chunk may alias buf
	rw.buf = rw.buf[:copy(rw.buf, rw.buf[n:])]
	if err != nil {
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
