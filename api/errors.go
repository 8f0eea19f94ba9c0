package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"unicode/utf8"
)

// ParseErrorBody reads an error body of the documented shape (G4): a JSON
// object of field -> message strings, optionally with "success": false
// (G5). ok is false when the body has any other shape; fields then holds
// whatever string pairs it had.
func ParseErrorBody(body []byte) (fields map[string]string, ok bool) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, false
	}
	fields = make(map[string]string, len(raw))
	ok = true
	for k, v := range raw {
		if k == "success" {
			if !bytes.Equal(bytes.TrimSpace(v), []byte("false")) {
				ok = false
			}
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			ok = false
			continue
		}
		fields[k] = s
	}
	return fields, ok && len(fields) > 0
}

// IsTransport reports whether err is a request that got no HTTP answer.
func IsTransport(err error) bool {
	var te *TransportError
	return errors.As(err, &te)
}

// AsStatus returns the *StatusError in err, if any.
func AsStatus(err error) (*StatusError, bool) {
	var se *StatusError
	ok := errors.As(err, &se)
	return se, ok
}

// Snippet returns at most n bytes of b as valid UTF-8 text, marking a cut.
// Invalid bytes become "?", and a cut never splits a character.
func Snippet(b []byte, n int) string {
	if len(b) <= n {
		return string(bytes.ToValidUTF8(b, []byte("?")))
	}
	cut := max(n, 0)
	for i := 1; i < utf8.UTFMax && cut > 0 && !utf8.RuneStart(b[cut]); i++ {
		cut--
	}
	return string(bytes.ToValidUTF8(b[:cut], []byte("?"))) + "…"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
