package api

import (
	"bytes"
	"encoding/json"
	"hash/maphash"
	"sync/atomic"
)

// answerMemo keeps the decoded form of answers that come back byte for
// byte the same (a client's search while its balance stands, the same
// refusal), so that a load run decodes each of them once: decoding was
// the largest cost of a request after the exchange itself. The value is
// a pure function of the bytes, and a hit is checked against the whole
// body, not its hash alone, so a hit decodes exactly as the decoder
// would. An answer is kept only once its hash has come twice in a row in
// its slot: an answer never repeated (a hold's new id) costs a hash, not
// a copy. Decoded values are shared between the calls that got the same
// answer, as the read-only values they are to every caller.
type answerMemo struct {
	seed  maphash.Seed
	slots [answerSlots]answerSlot
}

const answerSlots = 1024

// answerKeepMax is the longest answer kept: the API's answers are a few
// hundred bytes, and a target repeating huge ones must not fill memory.
const answerKeepMax = 4 << 10

type answerSlot struct {
	seen  atomic.Uint64 // hash of the last answer decoded in this slot
	entry atomic.Pointer[answerEntry]
}

type answerEntry struct {
	hash uint64
	body []byte
	val  any // *T of the endpoint's answer type
}

func newAnswerMemo() *answerMemo { return &answerMemo{seed: maphash.MakeSeed()} }

// decodeAnswer decodes body into resp as json.Unmarshal does, through m
// when it is not nil. An answer that does not decode is never kept: its
// error (a mistyped field, say) comes afresh every time.
func decodeAnswer[T any](m *answerMemo, body []byte, resp *T) error {
	if m == nil || len(body) > answerKeepMax {
		return json.Unmarshal(body, resp)
	}
	h := maphash.Bytes(m.seed, body)
	slot := &m.slots[h%answerSlots]
	if e := slot.entry.Load(); e != nil && e.hash == h && bytes.Equal(e.body, body) {
		if v, ok := e.val.(*T); ok {
			*resp = *v
			return nil
		}
	}
	if err := json.Unmarshal(body, resp); err != nil {
		return err
	}
	if slot.seen.Swap(h) == h {
		v := *resp
		slot.entry.Store(&answerEntry{hash: h, body: bytes.Clone(body), val: &v})
	}
	return nil
}
