package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Fixtures name the points and clients a harness may use on a target. The
// same file format is written by the sandbox and read for any target; it
// holds no secret.
type Fixtures struct {
	Points  []string        `json:"points"`
	Clients []FixtureClient `json:"clients"`
}

// FixtureClient identifies a client by each of its identifiers. Type is
// informative ("cashback" or "discount"); the harness learns the truth by
// searching.
type FixtureClient struct {
	Phone string `json:"phone,omitempty"`
	Card  string `json:"card,omitempty"`
	Code  string `json:"code,omitempty"`
	Type  string `json:"type,omitempty"`
}

// SearchKey returns the identifier to search the client by: the phone, else
// the card, else the app code.
func (c FixtureClient) SearchKey() string {
	switch {
	case c.Phone != "":
		return c.Phone
	case c.Card != "":
		return c.Card
	}
	return c.Code
}

// Validate reports the first problem that makes the fixtures unusable.
func (f *Fixtures) Validate() error {
	if len(f.Points) == 0 {
		return errors.New("fixtures: no points")
	}
	for i, p := range f.Points {
		if p == "" {
			return fmt.Errorf("fixtures: points[%d] is empty", i)
		}
	}
	if len(f.Clients) == 0 {
		return errors.New("fixtures: no clients")
	}
	for i, c := range f.Clients {
		if c.Phone == "" && c.Card == "" && c.Code == "" {
			return fmt.Errorf("fixtures: clients[%d] has no phone, card or code", i)
		}
	}
	return nil
}

// ReadFixtures reads and validates a fixtures file.
func ReadFixtures(path string) (*Fixtures, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fixtures: %w", err)
	}
	return parseFixtures("fixtures "+path, b)
}

// ParseFixtures decodes and validates fixtures; unknown fields are errors
// so a misspelt key is not silently ignored. A decoding error says where
// in the text it is (line:col and byte offset).
func ParseFixtures(b []byte) (*Fixtures, error) { return parseFixtures("fixtures", b) }

// parseFixtures is ParseFixtures with name (the file) heading its errors.
func parseFixtures(name string, b []byte) (*Fixtures, error) {
	var f Fixtures
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", name, position(b, errorOffset(err, dec.InputOffset())), err)
	}
	// More skips the white space, so the offset is where the extra data
	// starts; Token then catches what More misses (a stray "]" or "}").
	more := dec.More()
	at := dec.InputOffset()
	if _, err := dec.Token(); more || err != io.EOF {
		return nil, fmt.Errorf("%s: %s: more data after the fixtures object", name, position(b, at))
	}
	if err := f.Validate(); err != nil {
		if name != "fixtures" {
			return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "fixtures: "))
		}
		return nil, err
	}
	return &f, nil
}

// errorOffset is the byte offset a JSON decoding error points at, else
// where the decoder stopped (an unknown field carries no offset).
func errorOffset(err error, stopped int64) int64 {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return se.Offset
	case errors.As(err, &te):
		return te.Offset
	}
	return stopped
}

// position renders a byte offset of b as "line L, col C (offset N)",
// counting from 1 as editors do.
func position(b []byte, off int64) string {
	off = min(max(off, 0), int64(len(b)))
	line, col := 1, 1
	for _, c := range b[:off] {
		if c == '\n' {
			line, col = line+1, 1
			continue
		}
		col++
	}
	return fmt.Sprintf("line %d, col %d (offset %d)", line, col, off)
}

// WriteFile writes the fixtures as indented JSON.
func (f *Fixtures) WriteFile(path string) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("fixtures: %w", err)
	}
	return nil
}
