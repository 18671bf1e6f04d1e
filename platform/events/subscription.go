package events

import (
	"sync"
	"sync/atomic"
)

// bufferSize is the capacity of each subscription's channel. A full buffer
// already holds wake-ups, so dropping further events loses nothing a
// receiver that re-reads the database would need.
const bufferSize = 64

// Subscription receives the events matching its filter on C.
type Subscription struct {
	filter Filter
	ch     chan Event
	hub    *Memory

	// mu serialises sends with closing the channel, so Close may run
	// concurrently with delivery without a send on a closed channel.
	mu      sync.Mutex
	closed  bool
	dropped atomic.Uint64
}

func newSubscription(hub *Memory, f Filter, capacity int) *Subscription {
	return &Subscription{filter: f, ch: make(chan Event, capacity), hub: hub}
}

// C returns the channel events arrive on. It is closed when the subscription
// is closed, by Close or by the broker's Close: a receive with ok == false
// means "stop waiting" (typically server shutdown).
func (s *Subscription) C() <-chan Event { return s.ch }

// Close unregisters the subscription and closes its channel. It is idempotent
// and safe to call concurrently with delivery; after it returns nothing more
// is sent.
func (s *Subscription) Close() {
	if s.shut() {
		s.hub.remove(s)
	}
}

// Dropped returns how many events were discarded because the buffer was full.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// send delivers ev without blocking; it reports false if ev was dropped
// because the buffer was full. Events after close are ignored silently.
func (s *Subscription) send(ev Event) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return true
	}
	select {
	case s.ch <- ev:
		return true
	default:
		s.dropped.Add(1)
		return false
	}
}

// shut closes the channel once; it reports whether this call did it.
func (s *Subscription) shut() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.closed = true
	close(s.ch)
	return true
}
