package accounts

import (
	"testing"
	"time"
)

func TestThrottleBlocksAfterBurstAndRefills(t *testing.T) {
	th := newThrottle(time.Minute, 3, 100)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		if blocked, _ := th.blocked("a", now); blocked {
			t.Fatalf("blocked after %d failures, burst is 3", i)
		}
		th.fail("a", now)
	}
	blocked, wait := th.blocked("a", now)
	if !blocked || wait <= 0 || wait > time.Minute {
		t.Fatalf("after 3 failures: blocked=%v wait=%v", blocked, wait)
	}
	if blocked, _ := th.blocked("b", now); blocked {
		t.Fatal("one key's failures blocked another")
	}
	if blocked, _ := th.blocked("a", now.Add(wait)); blocked {
		t.Fatalf("still blocked after the announced wait %v", wait)
	}
}

func TestThrottleMapStaysBounded(t *testing.T) {
	th := newThrottle(time.Minute, 3, 50)
	now := time.Now()
	for i := range 1000 {
		th.fail(string(rune('a'+i%26))+time.Duration(i).String(), now)
		if len(th.buckets) > 50 {
			t.Fatalf("%d buckets, bound is 50", len(th.buckets))
		}
	}
}
