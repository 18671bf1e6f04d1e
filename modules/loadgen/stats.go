package loadgen

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Latency summarises a set of durations, in milliseconds.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
	Mean  float64 `json:"mean_ms"`
}

// Summarize sorts ds and returns its percentiles (nearest rank), maximum
// and mean. An empty set gives zeros.
func Summarize(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	pct := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(ds)))) - 1
		return ms(ds[min(max(i, 0), len(ds)-1)])
	}
	return Latency{
		Count: len(ds), P50: pct(0.50), P90: pct(0.90), P99: pct(0.99),
		Max: ms(ds[len(ds)-1]), Mean: round3(float64(sum) / float64(len(ds)) / float64(time.Millisecond)),
	}
}

func ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

// round3 keeps three decimals (microseconds, for milliseconds).
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// samples collects durations from many goroutines.
type samples struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *samples) add(d time.Duration) {
	s.mu.Lock()
	s.ds = append(s.ds, d)
	s.mu.Unlock()
}

func (s *samples) summary() Latency {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Summarize(s.ds)
}

// maxErrorSamples is how many distinct error messages a result keeps.
const maxErrorSamples = 5

// errorLog counts failures and keeps the first few distinct messages.
type errorLog struct {
	mu      sync.Mutex
	n       int64
	samples []string
	limit   string // the first local limit hit (see localLimitHint)
}

func (l *errorLog) add(err error) {
	msg := describe(err)
	hint := localLimitHint(err)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	if l.limit == "" {
		l.limit = hint
	}
	if len(l.samples) < maxErrorSamples && !slices.Contains(l.samples, msg) {
		l.samples = append(l.samples, msg)
	}
}

// limited returns how this machine refused a connection, or "".
func (l *errorLog) limited() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

func (l *errorLog) count() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// fill copies the count and samples into a result's header.
func (l *errorLog) fill(h *Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h.Errors = l.n
	h.ErrorSamples = slices.Clone(l.samples)
}
