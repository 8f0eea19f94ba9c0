package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"loyalcheck/api"
)

// Encode writes the record as indented JSON, ending in a newline.
func (r *Record) Encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("run record: %w", err)
	}
	return buf.Bytes(), nil
}

// Write writes r as dir/run.json (mode 0644), creating dir.
func Write(dir string, r *Record) error {
	b, err := r.Encode()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("run record: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, File), b, 0o644); err != nil {
		return fmt.Errorf("run record: %w", err)
	}
	return nil
}

// ErrVersion is returned (wrapped) by Read for a record of a version
// this build cannot read.
var ErrVersion = errors.New("unsupported run record version")

// Read reads dir/run.json; dir may also name the file itself.
func Read(dir string) (*Record, error) {
	path := dir
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		path = filepath.Join(dir, File)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("run record: %s not found (is %s a loyalcheck run directory?)", path, dir)
		}
		return nil, fmt.Errorf("run record: %w", err)
	}
	r, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Decode decodes a run record. A record of this version is decoded
// strictly: unknown fields (a shape this version does not know) are
// refused. Records of versions 1 and 2 are converted (legacy.go); a newer
// version, or a record without a kind, is refused.
func Decode(b []byte) (*Record, error) {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("not a run record: %w", err)
	}
	var r *Record
	var err error
	switch v := head.Version; {
	case v == nil:
		return nil, errors.New("not a loyalcheck run record: no \"version\"")
	case *v > Version:
		return nil, fmt.Errorf("%w: the record is version %d, this loyalcheck reads versions 1 to %d: use a newer loyalcheck", ErrVersion, *v, Version)
	case *v == 1 || *v == 2:
		r, err = decodeLegacy(b, *v)
	case *v == 3 || *v == Version:
		// Version 4 only added an optional section to version 3.
		r = &Record{}
		if err = strictJSON(b, r); err != nil {
			err = fmt.Errorf("run record version %d: %w", *v, err)
		}
	default:
		return nil, fmt.Errorf("%w: the record is version %d, this loyalcheck reads versions 1 to %d", ErrVersion, *v, Version)
	}
	if err != nil {
		return nil, err
	}
	if r.Kind == "" {
		return nil, errors.New("run record: no \"kind\"")
	}
	return r, nil
}

// Scrub is the record's last line of defence: it redacts the apikey
// (in any spelling, see api.Redactor.Output) from every string of the
// record and reports whether it found any. Field names and figures are
// never touched, and a key too short to tell from the record's own words
// is left to the redaction of outside data where it entered the product.
func (r *Record) Scrub(red *api.Redactor) (bool, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return false, fmt.Errorf("run record: scrubbing: %w", err)
	}
	out := red.Output(b)
	if bytes.Equal(out, b) {
		return false, nil
	}
	var clean Record
	if err := json.Unmarshal(out, &clean); err != nil {
		return true, fmt.Errorf("run record: scrubbing: %w", err)
	}
	*r = clean
	return true, nil
}

// strictJSON decodes b into v refusing unknown fields.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
