package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// stdDecode is the reference parseDoc must agree with: encoding/json with
// UseNumber, and nothing but whitespace after the value.
func stdDecode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

var parseCorpus = []string{
	``, ` `, `{}`, `[]`, `""`, `0`, `-0`, `1`, `-1.5e+10`, `1E-2`, `0.0`, `true`, `false`, `null`,
	`{"a":1,"a":2}`, `{"a":[1,{"b":null}],"c":"d"}`, " \t\r\n{ \"a\" : [ 1 , 2 ] } \n",
	`"ИВАН"`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u0041\u00e9\u4e2d"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00x"`,
	`"\ud83d\u0041"`, `"\ud83d\ud83d\ude00"`, "\"\xff\xfe\"", "\"a\xc3\"", "\"\xed\xa0\x80\"",
	`01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`, `--1`, `1.5.5`, `0x10`, `Infinity`, `NaN`,
	`tru`, `truex`, `nul`, `{"a"}`, `{"a":}`, `{a:1}`, `{"a":1,}`, `[1,]`, `[,1]`, `{"a":1`, `[1`,
	`"abc`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"a\nb\"", "\"\t\"", `{} {}`, `{}x`, `[] ]`, "\ufeff{}",
	`{"success":true,"client":{"id":"62a","phone":79201234567,"balance":878.50}}`,
	`123456789012345678901234567890`, `1e400`, `[[[[[]]]]]`, `{"":""}`,
}

func TestParseDocMatchesEncodingJSON(t *testing.T) {
	for _, in := range parseCorpus {
		got, gotErr := parseDoc([]byte(in))
		want, wantErr := stdDecode([]byte(in))
		if (gotErr == nil) != (wantErr == nil) {
			t.Errorf("%q: parseDoc err %v, encoding/json err %v", in, gotErr, wantErr)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: parseDoc %#v, encoding/json %#v", in, got, want)
		}
	}
}

func TestParseDocDepth(t *testing.T) {
	ok := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	if _, err := parseDoc([]byte(ok)); err != nil {
		t.Fatalf("depth %d: %v", maxDepth, err)
	}
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if _, err := parseDoc([]byte(deep)); err == nil {
		t.Fatalf("depth %d accepted", maxDepth+1)
	}
	if _, err := stdDecode([]byte(deep)); err == nil {
		t.Fatalf("encoding/json accepts depth %d: the limits differ", maxDepth+1)
	}
}

func FuzzParseDoc(f *testing.F) {
	for _, in := range parseCorpus {
		f.Add([]byte(in))
	}
	for _, c := range benchBodies {
		f.Add([]byte(c.body))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, gotErr := parseDoc(in)
		want, wantErr := stdDecode(in)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%q: parseDoc err %v, encoding/json err %v", in, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: parseDoc %#v, encoding/json %#v", in, got, want)
		}
	})
}
