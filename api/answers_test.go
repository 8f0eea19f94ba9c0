package api

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAnswerMemoDecodesAsTheDecoder: through the memo, every answer —
// repeated, unique, alternating, mistyped — decodes to exactly what
// json.Unmarshal gives, error included; a repeated one is kept and served
// from the memo.
func TestAnswerMemoDecodesAsTheDecoder(t *testing.T) {
	m := newAnswerMemo()
	answer := func(balance any) []byte {
		return fmt.Appendf(nil, `{"success":true,"client":{"id":"c1","name":"Anna","photo":null,"level":{"id":"l","title":"Gold","percent":5,"type":"cashback","maxSpendPercent":50},"phone":79201234567,"balance":%v}}`, balance)
	}
	bodies := [][]byte{answer(100), answer(100), answer(100), answer(7), answer(100), answer(`"100"`), answer(`"100"`), answer(8), answer(100)}
	for i, body := range bodies {
		var want, got SearchResponse
		wantErr := json.Unmarshal(body, &want)
		gotErr := decodeAnswer(m, body, &got)
		assert.Equal(t, want, got, "answer %d", i)
		assert.Equal(t, wantErr, gotErr, "answer %d", i)
	}
	kept := 0
	for i := range m.slots {
		if e := m.slots[i].entry.Load(); e != nil {
			kept++
			assert.JSONEq(t, string(answer(100)), string(e.body), "only the answer that repeated is kept")
		}
	}
	assert.Equal(t, 1, kept)

	// A kept answer is not handed to another endpoint's type.
	var rel ReleaseResponse
	require.NoError(t, decodeAnswer(m, answer(100), &rel))
	assert.True(t, rel.Success)
}

func BenchmarkDecodeSearchAnswer(b *testing.B) {
	body := []byte(`{"success":true,"client":{"id":"f23de62e9539a540e909a788","name":"ИРИНА","photo":"https://sandbox.loyalcheck.invalid/photo/f23de62e9539a540e909a788.jpeg","birthday":"2002-09-25","level":{"id":"64b000000000000000000b03","title":"Золото","percent":10,"type":"cashback","maxSpendPercent":100},"phone":79208485367,"email":"client0@example.org","balance":5000}}`)
	for _, bc := range []struct {
		name string
		m    *answerMemo
	}{{"decoder", nil}, {"memo", newAnswerMemo()}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				var r SearchResponse
				if err := decodeAnswer(bc.m, body, &r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
