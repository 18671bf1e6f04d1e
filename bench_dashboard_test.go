package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnara-go/omnara/assets"
	"github.com/omnara-go/omnara/platform/web"
)

// BenchmarkInstancePage renders the page of a session with 10,000 messages
// (the newest 50 shown, older ones on demand), over HTTP.
//
//	go test -run '^$' -bench InstancePage .
func BenchmarkInstancePage(b *testing.B) {
	srv, a := benchServer(b, map[string]string{"OMNARA_DATA_DIR": b.TempDir()})
	id := newInstanceID()
	a.do("POST", "/messages/agent", map[string]any{"agent_instance_id": id, "agent_type": "bench", "content": "start"})
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < 10000; i += 16 {
				a.do("POST", "/messages/agent", map[string]any{"agent_instance_id": id, "content": fmt.Sprintf("Step %d: edited `main.go` and ran **tests**.\n\n```go\nfunc f() int { return %d }\n```", i, i)})
			}
		})
	}
	wg.Wait()
	br := signIn(b, srv, "bench@example.com", "long enough")
	br.page("/instances/"+id, 200, "Show older messages")
	for b.Loop() {
		if res := br.get("/instances/" + id); res.status != 200 {
			b.Fatal(res.status)
		}
	}
}

// BenchmarkSSEDelivery keeps 1,024 dashboards open (32 people with 32 tabs
// each on one session) and measures how long a new message takes to reach
// every one of them, from the agent's POST leaving to the event arriving.
//
//	go test -run '^$' -bench SSEDelivery -benchtime 20x .
func BenchmarkSSEDelivery(b *testing.B) {
	const people, tabs = 32, 32
	env := map[string]string{"OMNARA_DATA_DIR": b.TempDir(), "OMNARA_LISTEN": "127.0.0.1:0", "OMNARA_LOG_LEVEL": "error"}
	srv := startServer(b, env)
	type person struct {
		a       *agent
		id      string
		streams []*sseStream
	}
	var ps []*person
	for i := range people {
		email := fmt.Sprintf("p%d@example.com", i)
		mustOmnara(b, env, "", "user", "add", "--email", email, "--password", "long enough")
		key := strings.TrimSpace(mustOmnara(b, env, "", "token", "create", "--email", email, "--name", "bench"))
		p := &person{a: &agent{t: b, base: srv.URL + "/api/v1", key: key}, id: newInstanceID()}
		p.a.do("POST", "/messages/agent", map[string]any{"agent_instance_id": p.id, "agent_type": "bench", "content": "start"})
		br := signIn(b, srv, email, "long enough")
		for range tabs {
			p.streams = append(p.streams, br.openStream("/events?instance="+p.id, ""))
		}
		ps = append(ps, p)
	}
	time.Sleep(time.Second) // every stream subscribed
	var mu sync.Mutex
	var lat []time.Duration
	for b.Loop() {
		var wg sync.WaitGroup
		for _, p := range ps {
			wg.Go(func() {
				start := time.Now()
				res := p.a.do("POST", "/messages/agent", map[string]any{"agent_instance_id": p.id, "content": "tick"})
				var sent struct {
					MessageID string `json:"message_id"`
				}
				_ = json.Unmarshal([]byte(res.body), &sent)
				var inner sync.WaitGroup
				for _, s := range p.streams {
					inner.Go(func() {
						ev := s.next(b, "message")
						d := time.Since(start)
						if !strings.Contains(ev.data, "tick") {
							b.Errorf("unexpected event %s", ev.data)
						}
						mu.Lock()
						lat = append(lat, d)
						mu.Unlock()
					})
				}
				inner.Wait()
			})
		}
		wg.Wait()
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(people*tabs), "dashboards")
	b.ReportMetric(pct(0.5), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max_ms")
}

// BenchmarkShippedAssets reports the JavaScript and CSS a browser
// downloads, as served (gzipped).
//
//	go test -run '^$' -bench ShippedAssets -benchtime 1x .
func BenchmarkShippedAssets(b *testing.B) {
	static, err := web.NewStatic(assets.Static)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		plain, gz := static.Size("app.css", "app.js", "sw.js")
		b.ReportMetric(float64(plain), "plain_bytes")
		b.ReportMetric(float64(gz), "gzip_bytes")
	}
}
