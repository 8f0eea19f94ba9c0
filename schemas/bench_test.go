package schemas

import (
	"testing"

	"loyalcheck/api"
)

// Typical bodies of a load run, as the sandbox or the vendor sends them.
var benchBodies = []struct {
	name   string
	ep     api.Endpoint
	status int
	body   string
}{
	{"search", api.EpSearch, 200, `{"success":true,"client":{"id":"62a0c0ffee0000000000a001","name":"ИВАН","photo":"https://cdn.example.com/p/62a0c0ffee.jpeg","birthday":"2021-03-29","level":{"id":"621000000000000000000f23","title":"Бонусы","percent":10,"type":"cashback","maxSpendPercent":100},"phone":79201234567,"email":"mail@mail.mail","balance":878}}`},
	{"search-discount", api.EpSearch, 200, `{"success":true,"client":{"id":"62a0c0ffee0000000000a002","name":"ПЁТР","photo":null,"birthday":null,"level":{"id":"621000000000000000000f24","title":"Скидка","percent":5,"type":"discount"},"phone":79201234568,"email":null,"balance":0}}`},
	{"recalc", api.EpRecalc, 200, `{"success":true,"recalc":{"amount":100,"percent":10,"type":"cashback","spend":100,"earn":10}}`},
	{"hold", api.EpHold, 200, `{"success":true,"held":{"id":"6744684c0ffee00000008d193","until":1704045600,"amount":100}}`},
	{"release", api.EpRelease, 200, `{"success":true}`},
	{"retail-spend", api.EpRetail, 200, `{"success":true,"retail":{"amount":100,"total":0,"percent":10,"type":"cashback","spend":100}}`},
	{"retail-accrue", api.EpRetail, 200, `{"success":true,"retail":{"amount":100,"total":100,"percent":10,"type":"cashback","earn":10}}`},
	{"error", api.EpRetail, 422, `{"spend":"Spend can't be more 100"}`},
}

func benchValidator(b *testing.B, memo bool) *Validator {
	v, err := New()
	if err != nil {
		b.Fatal(err)
	}
	if !memo {
		for _, m := range []map[api.Endpoint]*Schema{v.resp, v.req} {
			for _, s := range m {
				s.memo = nil
			}
		}
		v.errBody.memo = nil
	}
	for _, c := range benchBodies {
		if vs := v.Response(c.ep, c.status, []byte(c.body)); len(vs) != 0 {
			b.Fatalf("%s: %v", c.name, vs)
		}
	}
	return v
}

// BenchmarkResponse is the full cost of judging an answer: decoding and
// validating it (the memo of valid bodies is off, as for an answer seen
// for the first time).
func BenchmarkResponse(b *testing.B) {
	v := benchValidator(b, false)
	for _, c := range benchBodies {
		body := []byte(c.body)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if v.Response(c.ep, c.status, body) != nil {
					b.Fatal("invalid")
				}
			}
		})
	}
}

// BenchmarkResponseMemo is the cost of an answer already found valid.
func BenchmarkResponseMemo(b *testing.B) {
	v := benchValidator(b, true)
	for _, c := range benchBodies {
		body := []byte(c.body)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if v.Response(c.ep, c.status, body) != nil {
					b.Fatal("invalid")
				}
			}
		})
	}
}

// BenchmarkResponseParallel runs the full path on every core, the way the
// load engine calls it, to expose contention inside the validator.
func BenchmarkResponseParallel(b *testing.B) {
	v := benchValidator(b, false)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			c := benchBodies[i%len(benchBodies)]
			if v.Response(c.ep, c.status, []byte(c.body)) != nil {
				b.Fatal("invalid")
			}
			i++
		}
	})
}

// BenchmarkDecode is the share of Response spent decoding the body, with
// the package's parser and with encoding/json for comparison.
// BenchmarkNew is the one-time cost of compiling every embedded schema.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(); err != nil {
			b.Fatal(err)
		}
	}
}
