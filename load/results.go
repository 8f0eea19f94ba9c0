package load

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// ResultsFile streams results to a file in vegeta's gob format, which
// `vegeta report`, `vegeta plot` and `vegeta encode` read as they are.
type ResultsFile struct {
	f   *os.File
	w   *bufio.Writer
	enc vegeta.Encoder
}

// CreateResults creates (truncates) the results file at path.
func CreateResults(path string) (*ResultsFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	return &ResultsFile{f: f, w: w, enc: vegeta.NewEncoder(w)}, nil
}

// Encode writes one result; bodies are never written.
func (rf *ResultsFile) Encode(r *vegeta.Result) error {
	r.Body = nil
	return rf.enc.Encode(r)
}

// Close flushes and closes the file.
func (rf *ResultsFile) Close() error {
	return errors.Join(rf.w.Flush(), rf.f.Close())
}

// ReadResults decodes a results file as CreateResults writes it (vegeta's
// gob encoding; an empty file holds no result) and hands each result to f,
// stopping at f's first error.
func ReadResults(path string, f func(*vegeta.Result) error) error {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	dec := vegeta.NewDecoder(bufio.NewReader(in))
	for {
		var r vegeta.Result
		if err := dec.Decode(&r); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("reading %s: %w", path, err)
		}
		if err := f(&r); err != nil {
			return err
		}
	}
}
