// Package keyforms spells an apikey every way a hostile target could echo
// it back, for the tests that prove none of these spellings is ever
// printed or written.
package keyforms

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
)

// Of returns the spellings of key by name: as sent, JSON-escaped (every
// character or every other one, either hex case), percent- and
// query-escaped, HTML character references and base64 (standard and URL
// alphabets, padded and raw).
func Of(key string) map[string]string {
	b := []byte(key)
	return map[string]string{
		"plain":            key,
		"json-escaped":     each(key, func(i int, r rune) string { return fmt.Sprintf(`\u%04x`, r) }),
		"json-escaped-hex": each(key, func(i int, r rune) string { return fmt.Sprintf(`\u%04X`, r) }),
		"json-some-escaped": each(key, func(i int, r rune) string {
			if i%2 == 0 {
				return fmt.Sprintf(`\u%04x`, r)
			}
			return string(r)
		}),
		"percent-encoded":       each(key, func(i int, r rune) string { return pct(string(r), "%%%02X") }),
		"percent-encoded-lower": each(key, func(i int, r rune) string { return pct(string(r), "%%%02x") }),
		"query-escaped":         url.QueryEscape(key),
		"path-escaped":          url.PathEscape(key),
		"html-entities":         each(key, func(i int, r rune) string { return fmt.Sprintf("&#%d;", r) }),
		"html-hex-entities":     each(key, func(i int, r rune) string { return fmt.Sprintf("&#x%x;", r) }),
		"base64-std":            base64.StdEncoding.EncodeToString(b),
		"base64-url":            base64.URLEncoding.EncodeToString(b),
		"base64-raw-std":        base64.RawStdEncoding.EncodeToString(b),
		"base64-raw-url":        base64.RawURLEncoding.EncodeToString(b),
	}
}

func each(s string, f func(i int, r rune) string) string {
	var b strings.Builder
	i := 0
	for _, r := range s {
		b.WriteString(f(i, r))
		i++
	}
	return b.String()
}

func pct(s, format string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		fmt.Fprintf(&b, format, c)
	}
	return b.String()
}
