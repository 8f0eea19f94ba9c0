package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Limits of a request (B1-B5). Anything beyond them is refused with 422,
// never a 5xx.
const (
	maxBodyBytes = 64 << 10
	maxStringLen = 256 // characters of an id or search string
	maxHoldIDs   = 100 // ids in a request's hold list
	maxDuration  = 30  // minutes a hold may last (H3)
	defDuration  = 10  // minutes, when duration is omitted (H2)
)

// apiError is a refused request: its status and the one field -> message
// pair of its body (G4). status 0 means 422.
type apiError struct {
	status int
	field  string
	msg    string
	// plain marks an answer that is deliberately not a G4 body (the
	// bad-json-500 fault).
	plain bool
}

func refuse(field, msg string) *apiError { return &apiError{field: field, msg: msg} }

func refusef(field, format string, a ...any) *apiError {
	return &apiError{field: field, msg: fmt.Sprintf(format, a...)}
}

// internalError is a failure of the sandbox itself (the store), never of
// the input: the one case that answers 500.
func internalError(err error) *apiError {
	return &apiError{status: http.StatusInternalServerError, field: "server", msg: "Internal error: " + err.Error()}
}

// readBody reads and decodes a request body into its top-level fields.
// Only an object is accepted (B1); the values stay raw so each field's JSON
// type can be checked strictly, with no coercion (B3).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, *apiError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, refusef("body", "Body can't be more %d bytes.", maxBodyBytes)
		}
		return nil, refuse("body", "Body could not be read.")
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, refuse("body", "Body must be a JSON object.")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr):
			return nil, refuse("body", "Body must be a JSON object.")
		case s.faults.has(faultBadJSON500):
			return nil, &apiError{status: http.StatusInternalServerError, plain: true}
		}
		return nil, refuse("body", "Body is not valid JSON.")
	}
	if trimmed[0] != '{' { // null decodes to a nil map without error
		return nil, refuse("body", "Body must be a JSON object.")
	}
	return fields, nil
}

// checkUnknown is the reject-unknown-fields fault: the correct sandbox
// ignores fields it does not know (B4).
func (s *Server) checkUnknown(fields map[string]json.RawMessage, known ...string) *apiError {
	if !s.faults.has(faultRejectUnknownFields) {
		return nil
	}
	var unknown []string
	for k := range fields {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return refuse(unknown[0], "Unknown field.")
}

// reader checks the fields of one request in order; the first problem is
// kept and later reads are skipped, so the answer names exactly one field.
type reader struct {
	f      map[string]json.RawMessage
	coerce bool // the coerce-strings quirk
	err    *apiError
}

func (s *Server) reader(f map[string]json.RawMessage) *reader {
	return &reader{f: f, coerce: s.faults.has(faultCoerceStrings)}
}

// clientRequest starts reading a request that names a client at a point
// (recalc, hold, retail): fields beyond client, point and known are
// refused under the reject-unknown-fields fault, then client and point
// are read.
func (s *Server) clientRequest(f map[string]json.RawMessage, known ...string) (rd *reader, id, point string, e *apiError) {
	if e := s.checkUnknown(f, append([]string{"client", "point"}, known...)...); e != nil {
		return nil, "", "", e
	}
	rd = s.reader(f)
	return rd, s.clientField(rd), rd.str("point"), nil
}

// jsonKind classifies a raw JSON value by its first byte.
func jsonKind(raw json.RawMessage) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	switch c := raw[0]; c {
	case '"', '{', '[', 't', 'f', 'n':
		return c
	}
	return '0' // a number
}

// field returns the raw value of key, treating null like absence.
func (rd *reader) field(key string) (json.RawMessage, bool) {
	raw, ok := rd.f[key]
	if !ok || jsonKind(raw) == 'n' {
		return nil, false
	}
	return bytes.TrimSpace(raw), true
}

// title is the field name as a message starts it.
func title(key string) string {
	if key == "" || key[0] < 'a' || key[0] > 'z' {
		return key
	}
	return string(key[0]-'a'+'A') + key[1:]
}

// str reads a required, non-empty string of at most maxStringLen
// characters.
func (rd *reader) str(key string) string {
	if rd.err != nil {
		return ""
	}
	raw, ok := rd.field(key)
	if !ok {
		rd.err = refusef(key, "%s is required.", title(key))
		return ""
	}
	var v string
	switch {
	case jsonKind(raw) == '"':
		if err := json.Unmarshal(raw, &v); err != nil {
			rd.err = refusef(key, "%s must be a string.", title(key))
			return ""
		}
	case rd.coerce && jsonKind(raw) == '0':
		v = string(raw)
	default:
		rd.err = refusef(key, "%s must be a string.", title(key))
		return ""
	}
	switch {
	case v == "":
		rd.err = refusef(key, "%s must not be empty.", title(key))
	case utf8.RuneCountInString(v) > maxStringLen:
		rd.err = refusef(key, "%s can't be longer than %d characters.", title(key), maxStringLen)
	}
	return v
}

// number returns the token of a number field: the raw number, or under
// the coerce-strings quirk the content of a string that is a JSON number.
func (rd *reader) number(key string) (tok []byte, present bool) {
	raw, ok := rd.field(key)
	if !ok {
		return nil, false
	}
	switch jsonKind(raw) {
	case '0':
		return raw, true
	case '"':
		var v string
		if rd.coerce && json.Unmarshal(raw, &v) == nil && isJSONNumber(v) {
			return []byte(v), true
		}
	}
	rd.err = refusef(key, "%s must be a number.", title(key))
	return nil, true
}

func isJSONNumber(s string) bool {
	return s != "" && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) && json.Valid([]byte(s))
}

// amountPolicy says which receipt amounts a request accepts.
type amountPolicy int

const (
	amountPositive    amountPolicy = iota // the rule: > 0 (C7, RT8, B2)
	amountNonNegative                     // the accept-zero-amount fault
	amountAny                             // the recalc-zero-amount fault
)

// amountRule is the policy of the rule, amountPositive, or lax when
// fault, which breaks the rule, is on.
func (fs *faultSet) amountRule(f fault, lax amountPolicy) amountPolicy {
	if fs.has(f) {
		return lax
	}
	return amountPositive
}

// money reads a required receipt amount: a finite number, > 0 unless the
// policy (a fault) says otherwise, at most maxValue; fractions allowed.
func (rd *reader) money(key string, policy amountPolicy) money {
	if rd.err != nil {
		return money{}
	}
	tok, present := rd.number(key)
	if !present {
		rd.err = refusef(key, "%s is required.", title(key))
	}
	if rd.err != nil {
		return money{}
	}
	m, ok := parseMoney(tok)
	switch {
	case !ok:
		rd.err = refusef(key, "%s must be a number of at most %d characters.", title(key), maxNumberLen)
	case m.f > maxValue:
		rd.err = refusef(key, "%s can't be more %d", title(key), int64(maxValue))
	case m.f < -maxValue && policy == amountAny:
		rd.err = refusef(key, "%s can't be less -%d", title(key), int64(maxValue))
	case m.f < 0 && policy != amountAny,
		m.f == 0 && policy == amountPositive:
		rd.err = refusef(key, "%s must be greater than 0.", title(key))
	}
	return m
}

// points reads an integer count of points (spend, hold amount, duration):
// a whole number of magnitude at most maxValue. Its sign is the caller's
// to check, as the messages differ.
func (rd *reader) points(key string) (n int64, present bool) {
	if rd.err != nil {
		return 0, false
	}
	tok, present := rd.number(key)
	if !present || rd.err != nil {
		return 0, present
	}
	if n, err := strconv.ParseInt(string(tok), 10, 64); err == nil {
		if n > maxValue || n < -maxValue {
			rd.err = refusef(key, "%s can't be more %d", title(key), int64(maxValue))
		}
		return n, true
	}
	// Not a plain integer: 1e2 and 100.0 are whole, 1.5 is not.
	m, ok := parseMoney(tok)
	switch {
	case !ok:
		rd.err = refusef(key, "%s must be a whole number.", title(key))
	case math.Abs(m.f) > maxValue:
		rd.err = refusef(key, "%s can't be more %d", title(key), int64(maxValue))
	case !m.r.IsInt():
		rd.err = refusef(key, "%s must be a whole number.", title(key))
	default:
		return m.r.Num().Int64(), true
	}
	return 0, true
}

// holdList reads the optional hold list: an array of at most maxHoldIDs
// non-empty strings.
func (rd *reader) holdList(key string) []string {
	if rd.err != nil {
		return nil
	}
	raw, ok := rd.field(key)
	if !ok {
		return nil
	}
	var items []json.RawMessage
	if jsonKind(raw) != '[' || json.Unmarshal(raw, &items) != nil {
		rd.err = refusef(key, "%s must be an array of hold ids.", title(key))
		return nil
	}
	if len(items) > maxHoldIDs {
		rd.err = refusef(key, "%s can't list more than %d ids.", title(key), maxHoldIDs)
		return nil
	}
	ids := make([]string, 0, len(items))
	for _, it := range items {
		var id string
		if jsonKind(it) != '"' || json.Unmarshal(it, &id) != nil || id == "" || utf8.RuneCountInString(id) > maxStringLen {
			rd.err = refusef(key, "%s must be an array of non-empty hold ids of at most %d characters.", title(key), maxStringLen)
			return nil
		}
		ids = append(ids, id)
	}
	return ids
}
