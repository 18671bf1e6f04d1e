package events

import (
	"runtime"
	"testing"
	"time"
)

const waitTimeout = 10 * time.Second

// checkNoLeak fails if the goroutine count does not come back to before;
// goroutines wind down asynchronously, hence the retry loop.
func checkNoLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutine leak: %d before, %d after\n%s", before, n, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// receive waits for one event on s.
func receive(t *testing.T, s *Subscription) Event {
	t.Helper()
	select {
	case ev, ok := <-s.C():
		if !ok {
			t.Fatal("subscription channel closed")
		}
		return ev
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for an event")
	}
	return Event{}
}

// expectNone fails if s receives anything within d.
func expectNone(t *testing.T, s *Subscription, d time.Duration) {
	t.Helper()
	select {
	case ev := <-s.C():
		t.Fatalf("unexpected event %+v", ev)
	case <-time.After(d):
	}
}

// expectClosed fails unless s's channel is closed (after draining buffered events).
func expectClosed(t *testing.T, s *Subscription) {
	t.Helper()
	timeout := time.After(waitTimeout)
	for {
		select {
		case _, ok := <-s.C():
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("subscription channel not closed")
		}
	}
}
