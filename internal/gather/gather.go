// Package gather is a test aid: middleware that holds requests back until
// several have arrived, so that requests from different processes (the
// shards of a distributed run) reach a target together, as they would
// under real load, instead of being spread out by scheduling noise.
package gather

import (
	"net/http"
	"sync"
	"time"
)

// Requests lets the requests to path through n at a time, or each after
// bound if fewer arrive; every other request goes straight through.
func Requests(path string, n int, bound time.Duration) func(http.Handler) http.Handler {
	var mu sync.Mutex
	var waiting []chan struct{}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == path {
				ch := make(chan struct{})
				mu.Lock()
				waiting = append(waiting, ch)
				if len(waiting) == n {
					for _, c := range waiting {
						close(c)
					}
					waiting = nil
				}
				mu.Unlock()
				t := time.NewTimer(bound)
				select {
				case <-ch:
				case <-t.C:
				case <-r.Context().Done():
				}
				t.Stop()
			}
			next.ServeHTTP(w, r)
		})
	}
}
