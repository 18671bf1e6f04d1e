package main

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/omnara-go/omnara/platform/dbtest"
)

// BenchmarkNotifyLatency measures how long a question takes to reach a
// webhook receiver: from the agent's POST leaving to the receiver getting
// the notification, worker pickup included.
//
//	go test -run '^$' -bench NotifyLatency -benchtime 300x .
func BenchmarkNotifyLatency(b *testing.B) {
	env := sqliteEnv(b, "OMNARA_LOG_LEVEL", "error")
	hook := newReceiver(b)
	srv, a := benchServer(b, env)
	mustOmnara(b, env, "", "notify", "add", "--email", "bench@example.com", "--kind", "webhook", "--url", hook.URL, "--events", "questions")
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		a.do("POST", "/messages/agent", map[string]any{"agent_instance_id": newInstanceID(), "agent_type": "bench", "content": "ship?", "requires_user_input": true})
		rec := hook.next(b)
		lat = append(lat, rec.at.Sub(start))
	}
	_ = srv
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.5), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max_ms")
}

// BenchmarkOutboxThroughput stores a burst of questions from 32 agents at
// once and measures how fast the outbox empties into a receiver.
//
//	go test -run '^$' -bench OutboxThroughput -benchtime 2000x .
func BenchmarkOutboxThroughput(b *testing.B) {
	for _, target := range dbtest.Targets(b) {
		b.Run(target.Name, func(b *testing.B) {
			env := target.Env(b)
			hook := newReceiver(b)
			_, a := benchServer(b, env)
			mustOmnara(b, env, "", "notify", "add", "--email", "bench@example.com", "--kind", "webhook", "--url", hook.URL, "--events", "questions")
			n := b.N
			start := time.Now()
			var wg sync.WaitGroup
			for w := range 32 {
				wg.Go(func() {
					for i := w; i < n; i += 32 {
						a.do("POST", "/messages/agent", map[string]any{"agent_instance_id": newInstanceID(), "agent_type": "bench", "content": fmt.Sprint("q", i), "requires_user_input": true})
					}
				})
			}
			seen := map[string]bool{}
			for len(seen) < n {
				seen[hook.next(b).header.Get("X-Omnara-Delivery")] = true
			}
			wg.Wait()
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "notifications/s")
		})
	}
}
