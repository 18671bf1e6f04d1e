package events

import (
	"context"
	"sync"
	"sync/atomic"
)

// Memory is the in-process broker (SQLite, or a single instance). Postgres
// also uses it to fan notifications out to local subscribers. It starts no
// goroutines.
type Memory struct {
	mu     sync.RWMutex
	closed bool
	// sets indexes subscriptions by the narrowest part of their filter
	// (see routeOf), so a publish touches only subscribers that can match
	// it, even with thousands of one user's agents waiting at once.
	sets    map[string]map[*Subscription]struct{}
	count   int
	dropped atomic.Uint64
}

// NewMemory returns an in-process broker.
func NewMemory() *Memory {
	return &Memory{sets: make(map[string]map[*Subscription]struct{})}
}

// routeOf is the index key of a filter: its instance when it names one,
// else its user ("u:" alone = every user).
func routeOf(f Filter) string {
	if f.InstanceID != "" {
		return "i:" + f.InstanceID
	}
	return "u:" + f.UserID
}

// Publish delivers events to matching local subscribers. It never blocks: a
// subscriber whose buffer is full misses an event (counted in Dropped).
func (m *Memory) Publish(_ context.Context, evs ...Event) error {
	for _, ev := range evs {
		if err := validate(ev); err != nil {
			return err
		}
	}
	for _, ev := range evs {
		if err := m.deliver(ev); err != nil {
			return err
		}
	}
	return nil
}

func (m *Memory) deliver(ev Event) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return ErrClosed
	}
	if ev.Kind == KindResync {
		for _, set := range m.sets {
			m.sendAll(set, ev)
		}
		return nil
	}
	if ev.InstanceID != "" {
		m.sendAll(m.sets["i:"+ev.InstanceID], ev)
	}
	m.sendAll(m.sets["u:"+ev.UserID], ev)
	if ev.UserID != "" {
		m.sendAll(m.sets["u:"], ev)
	}
	return nil
}

func (m *Memory) sendAll(set map[*Subscription]struct{}, ev Event) {
	for s := range set {
		if s.filter.Match(ev) && !s.send(ev) {
			m.dropped.Add(1)
		}
	}
}

// Subscribe registers a subscription. After Close it returns a subscription
// whose channel is already closed, so a late waiter ends at once.
func (m *Memory) Subscribe(f Filter) *Subscription { return m.subscribe(f, bufferSize) }

// Wake registers a subscription that keeps at most one pending event.
func (m *Memory) Wake(f Filter) *Subscription { return m.subscribe(f, 1) }

func (m *Memory) subscribe(f Filter, capacity int) *Subscription {
	s := newSubscription(m, f, capacity)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		s.shut()
		return s
	}
	route := routeOf(f)
	set := m.sets[route]
	if set == nil {
		set = make(map[*Subscription]struct{})
		m.sets[route] = set
	}
	set[s] = struct{}{}
	m.count++
	return s
}

func (m *Memory) remove(s *Subscription) {
	m.mu.Lock()
	defer m.mu.Unlock()
	route := routeOf(s.filter)
	set := m.sets[route]
	if _, ok := set[s]; !ok {
		return // already removed by Close
	}
	delete(set, s)
	if len(set) == 0 {
		delete(m.sets, route)
	}
	m.count--
}

// Subscribers returns the number of open subscriptions.
func (m *Memory) Subscribers() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.count
}

// Dropped returns how many deliveries were discarded because a subscriber's
// buffer was full, over the broker's lifetime.
func (m *Memory) Dropped() uint64 { return m.dropped.Load() }

// Close closes the channel of every remaining subscription and makes later
// Publish calls return ErrClosed. It is idempotent and always returns nil.
func (m *Memory) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	sets := m.sets
	m.sets = make(map[string]map[*Subscription]struct{})
	m.count = 0
	m.mu.Unlock()

	for _, set := range sets {
		for s := range set {
			s.shut()
		}
	}
	return nil
}
