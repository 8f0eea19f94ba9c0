package load

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPoolReusesIdleWorkers: sessions that never overlap run on one
// worker; sessions that all overlap get one worker each, up to the cap.
func TestPoolReusesIdleWorkers(t *testing.T) {
	var ran atomic.Int64
	done := make(chan struct{}, 1)
	p := newSessionPool(func(*worker, sessionJob) { ran.Add(1); done <- struct{}{} })
	for range 100 {
		p.start(sessionJob{})
		<-done
	}
	p.wait()
	assert.Equal(t, int64(100), ran.Load())
	// One worker would do; a start that comes before the last worker is
	// back at its channel adds one, and soon one of them is always back.
	assert.Less(t, p.workers, 10, "a worker per session: idle workers are not reused")

	release := make(chan struct{})
	var running sync.WaitGroup
	running.Add(8)
	p = newSessionPool(func(*worker, sessionJob) { running.Done(); <-release })
	for range 8 {
		p.start(sessionJob{})
	}
	running.Wait()
	assert.Equal(t, 8, p.workers, "eight overlapping sessions, eight workers")
	close(release)
	p.wait()
}
