package events

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestFilterMatch(t *testing.T) {
	ev := Event{Kind: "message", UserID: "u1", InstanceID: "i1"}
	cases := []struct {
		f    Filter
		ev   Event
		want bool
	}{
		{Filter{}, ev, true},
		{Filter{UserID: "u1"}, ev, true},
		{Filter{UserID: "u2"}, ev, false},
		{Filter{InstanceID: "i1"}, ev, true},
		{Filter{UserID: "u1", InstanceID: "i2"}, ev, false},
		{Filter{UserID: "u2", InstanceID: "i2"}, Event{Kind: KindResync}, true},
		{Filter{Kind: "message"}, ev, true},
		{Filter{Kind: "other"}, ev, false},
		{Filter{Kind: "other"}, Event{Kind: KindResync}, true},
	}
	for _, c := range cases {
		if got := c.f.Match(c.ev); got != c.want {
			t.Errorf("%+v.Match(%+v) = %v, want %v", c.f, c.ev, got, c.want)
		}
	}
}

func TestMemoryFilters(t *testing.T) {
	before := runtime.NumGoroutine()
	m := NewMemory()
	ctx := context.Background()

	all := m.Subscribe(Filter{})
	user1 := m.Subscribe(Filter{UserID: "u1"})
	user2 := m.Subscribe(Filter{UserID: "u2"})
	inst := m.Subscribe(Filter{UserID: "u1", InstanceID: "i1"})
	instAnyUser := m.Subscribe(Filter{InstanceID: "i2"})
	if n := m.Subscribers(); n != 5 {
		t.Fatalf("Subscribers() = %d, want 5", n)
	}

	e1 := Event{Kind: "message", UserID: "u1", InstanceID: "i1", MessageID: "m1", Seq: 1}
	e2 := Event{Kind: "message", UserID: "u1", InstanceID: "i2", MessageID: "m2", Seq: 2}
	for _, ev := range []Event{e1, e2} {
		if err := m.Publish(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []*Subscription{all, user1} {
		if got := receive(t, s); got != e1 {
			t.Fatalf("got %+v, want %+v", got, e1)
		}
		if got := receive(t, s); got != e2 {
			t.Fatalf("got %+v, want %+v", got, e2)
		}
	}
	if got := receive(t, inst); got != e1 {
		t.Fatalf("instance filter got %+v, want %+v", got, e1)
	}
	if got := receive(t, instAnyUser); got != e2 {
		t.Fatalf("instance-only filter got %+v, want %+v", got, e2)
	}
	expectNone(t, user2, 20*time.Millisecond)
	expectNone(t, inst, 0)
	expectNone(t, instAnyUser, 0)

	// Resync reaches every subscriber whatever its filter.
	if err := m.Publish(ctx, Event{Kind: KindResync}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Subscription{all, user1, user2, inst, instAnyUser} {
		if got := receive(t, s); got.Kind != KindResync {
			t.Fatalf("got %+v, want resync", got)
		}
	}

	for _, s := range []*Subscription{all, user1, user2, inst, instAnyUser} {
		s.Close()
	}
	if n := m.Subscribers(); n != 0 {
		t.Fatalf("Subscribers() = %d after closing all, want 0", n)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	checkNoLeak(t, before)
}

func TestMemoryRejectsEmptyKind(t *testing.T) {
	m := NewMemory()
	defer m.Close()
	if err := m.Publish(context.Background(), Event{UserID: "u1"}); err == nil {
		t.Fatal("Publish accepted an event without kind")
	}
}

func TestMemoryDropWhenFull(t *testing.T) {
	m := NewMemory()
	defer m.Close()
	slow := m.Subscribe(Filter{UserID: "u1"})
	defer slow.Close()

	const extra = 10
	done := make(chan error, 1)
	go func() {
		for i := range bufferSize + extra {
			if err := m.Publish(context.Background(), Event{Kind: "message", UserID: "u1", Seq: int64(i)}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Publish blocked on a full subscriber")
	}
	if got := slow.Dropped(); got != extra {
		t.Fatalf("Dropped() = %d, want %d", got, extra)
	}
	if got := m.Dropped(); got != extra {
		t.Fatalf("broker Dropped() = %d, want %d", got, extra)
	}
	// The buffer keeps the oldest events.
	for i := range bufferSize {
		if got := receive(t, slow); got.Seq != int64(i) {
			t.Fatalf("event %d has seq %d", i, got.Seq)
		}
	}
	expectNone(t, slow, 0)
}

func TestSubscriptionCloseIdempotent(t *testing.T) {
	m := NewMemory()
	defer m.Close()
	s := m.Subscribe(Filter{UserID: "u1"})
	other := m.Subscribe(Filter{UserID: "u1"})
	defer other.Close()

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(s.Close)
	}
	wg.Wait()
	s.Close()
	expectClosed(t, s)
	if n := m.Subscribers(); n != 1 {
		t.Fatalf("Subscribers() = %d, want 1", n)
	}
	// Publishing to a closed subscription is a no-op, not a panic.
	if err := m.Publish(context.Background(), Event{Kind: "message", UserID: "u1"}); err != nil {
		t.Fatal(err)
	}
	receive(t, other)
}

// Close racing with delivery must neither panic (send on closed channel) nor
// trip the race detector.
func TestSubscriptionCloseDuringPublish(t *testing.T) {
	m := NewMemory()
	defer m.Close()
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = m.Publish(ctx, Event{Kind: "message", UserID: "u1"})
			}
		})
	}
	for range 200 {
		s := m.Subscribe(Filter{UserID: "u1"})
		s.Close()
		expectClosed(t, s)
	}
	close(stop)
	wg.Wait()
	if n := m.Subscribers(); n != 0 {
		t.Fatalf("Subscribers() = %d, want 0", n)
	}
}

func TestMemoryClose(t *testing.T) {
	before := runtime.NumGoroutine()
	m := NewMemory()
	s1 := m.Subscribe(Filter{UserID: "u1"})
	s2 := m.Subscribe(Filter{})
	if err := m.Publish(context.Background(), Event{Kind: "message", UserID: "u1"}); err != nil {
		t.Fatal(err)
	}

	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// Buffered events are still readable, then the channel reports closed.
	if got := receive(t, s1); got.UserID != "u1" {
		t.Fatalf("got %+v", got)
	}
	expectClosed(t, s1)
	expectClosed(t, s2)
	if n := m.Subscribers(); n != 0 {
		t.Fatalf("Subscribers() = %d after Close, want 0", n)
	}
	s1.Close() // after the broker's Close: still fine
	if err := m.Publish(context.Background(), Event{Kind: "message", UserID: "u1"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Publish after Close = %v, want ErrClosed", err)
	}
	late := m.Subscribe(Filter{})
	expectClosed(t, late)
	late.Close()
	if n := m.Subscribers(); n != 0 {
		t.Fatalf("Subscribers() = %d, want 0", n)
	}
	checkNoLeak(t, before)
}

func TestMemoryPublishMany(t *testing.T) {
	m := NewMemory()
	defer m.Close()
	sub := m.Subscribe(Filter{InstanceID: "i1"})
	evs := []Event{{Kind: "a", UserID: "u", InstanceID: "i1"}, {Kind: "b", UserID: "u", InstanceID: "i2"}, {Kind: "c", UserID: "u", InstanceID: "i1"}}
	if err := m.Publish(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, sub); got != evs[0] {
		t.Fatalf("got %+v", got)
	}
	if got := receive(t, sub); got != evs[2] {
		t.Fatalf("got %+v", got)
	}
}

// BenchmarkPublishWithManyWaiters: one user's 10,000 agents wait on their
// own instances; an answer to one of them must not cost a scan of all.
func BenchmarkPublishWithManyWaiters(b *testing.B) {
	m := NewMemory()
	defer m.Close()
	for i := range 10000 {
		m.Subscribe(Filter{UserID: "u", InstanceID: fmt.Sprintf("i%d", i)})
	}
	sub := m.Subscribe(Filter{UserID: "u", InstanceID: "target"})
	ev := Event{Kind: "message.created", UserID: "u", InstanceID: "target"}
	ctx := context.Background()
	for b.Loop() {
		if err := m.Publish(ctx, ev); err != nil {
			b.Fatal(err)
		}
		<-sub.C()
	}
}

// A waiter's subscription holds one wake-up; more are dropped, and the
// publisher never blocks.
func TestWakeKeepsOneEvent(t *testing.T) {
	m := NewMemory()
	defer m.Close()
	w := m.Wake(Filter{UserID: "u"})
	for i := range 5 {
		if err := m.Publish(context.Background(), Event{Kind: "k", UserID: "u", Seq: int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := receive(t, w); got.Seq != 0 {
		t.Fatalf("got %+v, want the first event", got)
	}
	expectNone(t, w, 50*time.Millisecond)
	if w.Dropped() != 4 {
		t.Fatalf("dropped %d, want 4", w.Dropped())
	}
}
