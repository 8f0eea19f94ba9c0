package api

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAwait(t *testing.T) {
	t.Run("answered in time", func(t *testing.T) {
		v, ok := Await(time.Minute, func() int { return 7 }, func() { t.Error("gave up") }, func(int) { t.Error("late") })
		assert.True(t, ok)
		assert.Equal(t, 7, v)
	})
	t.Run("answered late", func(t *testing.T) {
		release := make(chan struct{})
		late := make(chan int, 1)
		order := make(chan string, 2)
		_, ok := Await(time.Millisecond, func() int { <-release; return 9 },
			func() { order <- "gave up" },
			func(v int) { order <- "late"; late <- v })
		require.False(t, ok)
		close(release)
		assert.Equal(t, 9, <-late, "the answer reaches late")
		assert.Equal(t, "gave up", <-order)
		assert.Equal(t, "late", <-order)
	})
}

func TestFlights(t *testing.T) {
	var f Flights
	f.Begin()
	swept := make(chan struct{})
	go func() { f.Sweep(context.Background()); close(swept) }()
	select {
	case <-swept:
		t.Fatal("swept with a request in flight")
	case <-time.After(10 * time.Millisecond):
	}
	assert.True(t, f.Book(func() {}), "booking before the sweep")
	f.End()
	<-swept
	assert.False(t, f.Book(func() { t.Error("booked after the sweep") }))

	// A sweep whose bound ends first still marks the books swept.
	var g Flights
	g.Begin()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g.Sweep(ctx)
	assert.False(t, g.Book(func() {}))
	g.End()
}
