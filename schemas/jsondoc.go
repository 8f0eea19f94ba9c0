package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// parseDoc decodes one JSON value into the generic form gojsonschema
// validates: map[string]any, []any, string, json.Number, bool and nil,
// exactly what encoding/json's Decoder with UseNumber yields (duplicate
// keys: the last wins; invalid UTF-8 and lone surrogates in strings become
// U+FFFD), and rejects anything but whitespace after the value. It exists
// because the load engine validates every answer: one pass over the bytes
// costs about a third of encoding/json's scan-then-decode. Its equivalence
// with encoding/json is checked by FuzzParseDoc.
func parseDoc(b []byte) (any, error) {
	p := parser{b: b}
	p.ws()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, p.errf("data after the JSON value")
	}
	return v, nil
}

// maxDepth bounds nesting as encoding/json does, so a hostile body cannot
// exhaust the stack.
const maxDepth = 10000

type parser struct {
	b     []byte
	i     int
	depth int
}

var errEOF = errors.New("unexpected end of JSON input")

func (p *parser) errf(format string, a ...any) error {
	return fmt.Errorf("offset %d: %s", p.i, fmt.Sprintf(format, a...))
}

func (p *parser) unexpected() error {
	if p.i >= len(p.b) {
		return errEOF
	}
	return p.errf("invalid character %q", rune(p.b[p.i]))
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value() (any, error) {
	if p.i >= len(p.b) {
		return nil, errEOF
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, p.unexpected()
}

func (p *parser) literal(lit string) error {
	for j := 0; j < len(lit); j++ {
		if p.i >= len(p.b) {
			return errEOF
		}
		if p.b[p.i] != lit[j] {
			return p.unexpected()
		}
		p.i++
	}
	return nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errf("exceeded max depth")
	}
	return nil
}

func (p *parser) object() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.i++ // {
	m := map[string]any{}
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		p.depth--
		return m, nil
	}
	for {
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.unexpected()
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.unexpected()
		}
		p.i++
		p.ws()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		m[k] = v
		p.ws()
		if p.i >= len(p.b) {
			return nil, errEOF
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			p.ws()
		case '}':
			p.i++
			p.depth--
			return m, nil
		default:
			return nil, p.unexpected()
		}
	}
}

func (p *parser) array() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.i++ // [
	a := []any{}
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		p.depth--
		return a, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.ws()
		if p.i >= len(p.b) {
			return nil, errEOF
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			p.ws()
		case ']':
			p.i++
			p.depth--
			return a, nil
		default:
			return nil, p.unexpected()
		}
	}
}

// number scans the RFC 8259 number grammar and keeps the text.
func (p *parser) number() (any, error) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	if p.i >= len(p.b) {
		return nil, errEOF
	}
	switch c := p.b[p.i]; {
	case c == '0':
		p.i++
	case c >= '1' && c <= '9':
		p.digits()
	default:
		return nil, p.unexpected()
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if p.i >= len(p.b) {
			return nil, errEOF
		}
		if !isDigit(p.b[p.i]) {
			return nil, p.unexpected()
		}
		p.digits()
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if p.i >= len(p.b) {
			return nil, errEOF
		}
		if !isDigit(p.b[p.i]) {
			return nil, p.unexpected()
		}
		p.digits()
	}
	return json.Number(p.b[start:p.i]), nil
}

func (p *parser) digits() {
	for p.i < len(p.b) && isDigit(p.b[p.i]) {
		p.i++
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// str reads a string starting at its opening quote. A string without
// escapes and with valid UTF-8, the usual case, is one scan and one copy.
func (p *parser) str() (string, error) {
	p.i++ // "
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := string(p.b[start:p.i])
			p.i++
			return s, nil
		case c == '\\' || c < 0x20:
			return p.strSlow(start)
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRune(p.b[p.i:])
			if r == utf8.RuneError && size == 1 {
				return p.strSlow(start)
			}
			p.i += size
		}
	}
	return "", errEOF
}

// strSlow handles escapes, control characters and non-ASCII bytes the way
// encoding/json does.
func (p *parser) strSlow(start int) (string, error) {
	buf := make([]byte, p.i-start, p.i-start+16)
	copy(buf, p.b[start:p.i])
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf), nil
		case c < 0x20:
			return "", p.errf("invalid character %q in string literal", rune(c))
		case c == '\\':
			p.i++
			if p.i >= len(p.b) {
				return "", errEOF
			}
			e := p.b[p.i]
			p.i++
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, err := p.hex4()
				if err != nil {
					return "", err
				}
				if utf16.IsSurrogate(r) {
					// A high surrogate followed by an escaped low one is a
					// pair; anything else is a lone surrogate.
					r2 := utf8.RuneError
					if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
						save := p.i
						p.i += 2
						x, err := p.hex4()
						if err != nil {
							return "", err
						}
						if d := utf16.DecodeRune(r, x); d != utf8.RuneError {
							r2 = d
						} else {
							p.i = save // the second escape stands alone
						}
					}
					r = r2
				}
				buf = utf8.AppendRune(buf, r)
			default:
				p.i--
				return "", p.errf("invalid character %q in string escape code", rune(e))
			}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			p.i++
		default:
			r, size := utf8.DecodeRune(p.b[p.i:])
			p.i += size
			buf = utf8.AppendRune(buf, r) // invalid UTF-8 becomes U+FFFD
		}
	}
	return "", errEOF
}

func (p *parser) hex4() (rune, error) {
	if p.i+4 > len(p.b) {
		for ; p.i < len(p.b); p.i++ {
			if !isHex(p.b[p.i]) {
				return 0, p.errf("invalid character %q in \\u hexadecimal character escape", rune(p.b[p.i]))
			}
		}
		return 0, errEOF
	}
	for j := 0; j < 4; j++ {
		if !isHex(p.b[p.i+j]) {
			p.i += j
			return 0, p.errf("invalid character %q in \\u hexadecimal character escape", rune(p.b[p.i]))
		}
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		switch {
		case c <= '9':
			r = r<<4 | rune(c-'0')
		case c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			r = r<<4 | rune(c-'a'+10)
		}
	}
	p.i += 4
	return r, nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
