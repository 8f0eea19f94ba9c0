// Package slowdown is a test aid: middleware that turns a target slow
// from the nth request to one path on, as a target does that starts to
// struggle just as a run is interrupted.
package slowdown

import (
	"net/http"
	"sync/atomic"
	"time"
)

// After lets requests through until the nth one to path, calls fired
// (the test's interrupt) as that one arrives, and from then on delays
// every request by delay; requests to refuse (when not "") are answered
// 503 from then on instead.
func After(path string, nth int64, fired func(), delay time.Duration, refuse string) func(http.Handler) http.Handler {
	var seen atomic.Int64
	var slow atomic.Bool
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == path && seen.Add(1) == nth {
				slow.Store(true)
				fired()
			}
			if slow.Load() {
				if refuse != "" && r.URL.Path == refuse {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				time.Sleep(delay)
			}
			next.ServeHTTP(w, r)
		})
	}
}
