// Package holdback is a test aid: middleware that serves one request at
// once but holds its answer back, as a target does that makes a hold and
// answers only after the client has given up waiting.
package holdback

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
)

// Nth serves the nth request to path at once, calls held (the test's
// interrupt), then sends the answer once answer is closed, or never when
// answer is nil (until the client hangs up). Every other request goes
// straight through.
func Nth(path string, nth int64, held func(), answer <-chan struct{}) func(http.Handler) http.Handler {
	var seen atomic.Int64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path || seen.Add(1) != nth {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			held()
			select {
			case <-answer:
			case <-r.Context().Done():
				return
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes()) //nolint:errcheck // the client may be gone
		})
	}
}
