package sandbox

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// obj is a JSON object with its keys in order. Answers are built as obj
// values and encoded by hand: faults can add, drop or retype a field in one
// line, and the encoding costs no reflection on the hot path.
type obj []kv

type kv struct {
	k string
	v any // string, int64, int, float64, bool, nil or obj
}

// null is an explicit JSON null (a nil interface would be ambiguous).
type null struct{}

func appendJSON(b []byte, v any) []byte {
	switch v := v.(type) {
	case obj:
		b = append(b, '{')
		for i, f := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, f.k)
			b = append(b, ':')
			b = appendJSON(b, f.v)
		}
		return append(b, '}')
	case string:
		return appendString(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case float64:
		return appendFloat(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case null, nil:
		return append(b, "null"...)
	}
	// Only the handlers build answers, from the types above.
	panic(fmt.Sprintf("sandbox: cannot encode %T", v))
}

// appendFloat writes f as encoding/json does: plain decimals, exponents
// only for very small or very large magnitudes.
func appendFloat(b []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(b, "null"...) // never produced; keeps the output JSON
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		b = strconv.AppendFloat(b, f, 'e', -1, 64)
		// 1e-07 -> 1e-7, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
		return b
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// writeJSON sends a JSON answer.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client hung up; nothing to do
}

// writeOK sends a success (G6): {"success": true, key: payload}, or just
// {"success": true} when key is "".
func (s *Server) writeOK(w http.ResponseWriter, key string, payload obj) {
	o := make(obj, 0, 3)
	if !s.faults.has(faultNoSuccess) {
		o = append(o, kv{"success", true})
	}
	if key != "" {
		o = append(o, kv{key, payload})
	}
	if s.faults.has(faultExtraFields) {
		o = withExtra(o)
	}
	writeJSON(w, http.StatusOK, appendJSON(make([]byte, 0, 512), o))
}

// withExtra is the extra-fields quirk: every object gains a field the
// page does not document.
func withExtra(o obj) obj {
	out := make(obj, 0, len(o)+1)
	for _, f := range o {
		if sub, ok := f.v.(obj); ok {
			f.v = withExtra(sub)
		}
		out = append(out, f)
	}
	return append(out, kv{"extra", "x"})
}

// writeError sends a refusal: 422 and {field: message} (G4), unless a
// fault says otherwise.
func (s *Server) writeError(w http.ResponseWriter, e *apiError) {
	status := e.status
	if status == 0 {
		status = http.StatusUnprocessableEntity
	}
	if e.plain {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		w.Write([]byte(http.StatusText(status) + "\n")) //nolint:errcheck
		return
	}
	if status == http.StatusUnprocessableEntity && s.faults.has(faultError400) {
		status = http.StatusBadRequest
	}
	if s.faults.has(faultErrorText) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		w.Write([]byte(e.field + ": " + e.msg + "\n")) //nolint:errcheck
		return
	}
	o := obj{{e.field, e.msg}}
	if s.faults.has(faultErrorSuccessFalse) {
		o = append(o, kv{"success", false})
	}
	if s.faults.has(faultErrorExtra) {
		o = append(o, kv{"code", int64(17)})
	}
	writeJSON(w, status, appendJSON(make([]byte, 0, 128), o))
}
