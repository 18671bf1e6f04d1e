package accounts

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// throttle limits failed sign-ins per key (an email, a client address).
// Each failure spends a token; a key with none left is refused until the
// bucket refills. The map is bounded: full buckets carry no information and
// are dropped first.
type throttle struct {
	mu      sync.Mutex
	every   time.Duration
	burst   int
	max     int
	buckets map[string]*rate.Limiter
}

func newThrottle(every time.Duration, burst, max int) *throttle {
	return &throttle{every: every, burst: burst, max: max, buckets: map[string]*rate.Limiter{}}
}

// blocked reports whether key has used up its failures, and when it may
// try again.
func (t *throttle) blocked(key string, now time.Time) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, ok := t.buckets[key]
	if !ok || l.TokensAt(now) >= 1 {
		return false, 0
	}
	r := l.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	return true, wait
}

// fail records one failed attempt for key.
func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, ok := t.buckets[key]
	if !ok {
		if len(t.buckets) >= t.max {
			t.prune(now)
		}
		l = rate.NewLimiter(rate.Every(t.every), t.burst)
		t.buckets[key] = l
	}
	l.AllowN(now, 1)
}

func (t *throttle) prune(now time.Time) {
	for k, l := range t.buckets {
		if l.TokensAt(now) >= float64(t.burst) {
			delete(t.buckets, k)
		}
	}
	if len(t.buckets) >= t.max {
		// Under a flood of distinct keys, forget all rather than grow.
		t.buckets = map[string]*rate.Limiter{}
	}
}
