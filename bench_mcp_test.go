package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/omnara-go/omnara/platform/dbtest"
)

// BenchmarkMCPWake measures ask_question over MCP: from a person's answer
// (POST /messages/user returning) to the tool result reaching the agent.
//
//	go test -run '^$' -bench MCPWake -benchtime 1000x .
func BenchmarkMCPWake(b *testing.B) {
	for _, target := range dbtest.Targets(b) {
		b.Run(target.Name, func(b *testing.B) {
			srv, a := benchServer(b, target.Env(b))
			_ = srv
			const workers = 32
			var next atomic.Int64
			var mu sync.Mutex
			var lat []time.Duration
			var wg sync.WaitGroup
			b.ResetTimer()
			for range workers {
				cs := benchMCPClient(b, a)
				wg.Go(func() {
					ctx := context.Background()
					id := newInstanceID()
					if _, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "log_step", Arguments: map[string]any{"agent_instance_id": id, "step_description": "start"}}); err != nil {
						b.Error(err)
						return
					}
					for next.Add(1) <= int64(b.N) {
						woke := make(chan time.Time, 1)
						go func() {
							res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "ask_question", Arguments: map[string]any{"agent_instance_id": id, "question_text": "go?"}})
							if err != nil || res.IsError {
								b.Errorf("ask_question: %v %v", err, res)
							}
							woke <- time.Now()
						}()
						time.Sleep(20*time.Millisecond + rand.N(time.Second))
						a.do("POST", "/messages/user", map[string]any{"agent_instance_id": id, "content": "yes", "mark_as_read": false})
						answered := time.Now()
						at := <-woke
						mu.Lock()
						lat = append(lat, max(0, at.Sub(answered)))
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			report(b, "after_post_returned", lat)
		})
	}
}

func benchMCPClient(b *testing.B, a *agent) *sdk.ClientSession {
	client := sdk.NewClient(&sdk.Implementation{Name: "bench", Version: "1"}, nil)
	transport := &sdk.StreamableClientTransport{
		Endpoint:   strings.TrimSuffix(a.base, "/api/v1") + "/mcp/",
		HTTPClient: &http.Client{Transport: bearer{key: a.key, userAgent: "bench", next: apiClient.Transport}},
	}
	cs, err := client.Connect(context.Background(), transport, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cs.Close() })
	return cs
}

// BenchmarkMCPWaiters holds 2,000 ask_question calls blocked at once on a
// real server process and reports its memory and database queries per
// second while they wait.
//
//	go test -run '^$' -bench MCPWaiters -benchtime 1x .
func BenchmarkMCPWaiters(b *testing.B) {
	const waiters = 2000
	bin := buildRelease(b)
	for _, target := range dbtest.Targets(b) {
		b.Run(target.Name, func(b *testing.B) {
			for b.Loop() {
				env := target.Env(b)
				mustOmnara(b, env, "", "user", "add", "--email", "bench@example.com", "--password", "long enough")
				key := strings.TrimSpace(mustOmnara(b, env, "", "token", "create", "--email", "bench@example.com", "--name", "bench"))
				p := startBinary(b, bin, env)
				a := &agent{t: b, base: p.URL + "/api/v1", key: key}
				cs := benchMCPClient(b, a)
				ctx, cancel := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				var started atomic.Int64
				for i := range waiters {
					wg.Go(func() {
						id := newInstanceID()
						a.do("POST", "/messages/agent", map[string]any{"agent_instance_id": id, "agent_type": "bench", "content": "start " + strconv.Itoa(i)})
						started.Add(1)
						_, _ = cs.CallTool(ctx, &sdk.CallToolParams{Name: "ask_question", Arguments: map[string]any{"agent_instance_id": id, "question_text": "wait"}})
					})
				}
				deadline := time.Now().Add(2 * time.Minute)
				for scrape(b, p.URL, "omnara_waits_in_progress") < waiters && time.Now().Before(deadline) {
					time.Sleep(100 * time.Millisecond)
				}
				if n := scrape(b, p.URL, "omnara_waits_in_progress"); n < waiters {
					b.Fatalf("only %v of %d calls waiting", n, waiters)
				}
				q0 := scrape(b, p.URL, "omnara_db_queries_total")
				time.Sleep(5 * time.Second)
				q1 := scrape(b, p.URL, "omnara_db_queries_total")
				b.ReportMetric(waiters, "waiting")
				b.ReportMetric((q1-q0)/5, "db_queries/s")
				b.ReportMetric(float64(procRSS(b, p.cmd.Process.Pid))/(1<<20), "server_rss_MB")
				b.ReportMetric(scrape(b, p.URL, "go_goroutines"), "server_goroutines")
				b.ReportMetric(scrape(b, p.URL, "go_memstats_heap_inuse_bytes")/(1<<20), "server_heap_inuse_MB")
				b.ReportMetric(scrape(b, p.URL, "go_memstats_stack_inuse_bytes")/(1<<20), "server_stacks_MB")
				cancel()
				wg.Wait()
			}
		})
	}
}

// scrape reads one unlabelled metric from a server's /metrics.
func scrape(tb testing.TB, base, name string) float64 {
	res, err := http.Get(base + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	tb.Fatalf("/metrics has no %s", name)
	return 0
}

// procRSS reads a process's resident memory from /proc.
func procRSS(tb testing.TB, pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", pid))
	if err != nil {
		tb.Fatal(err)
	}
	var size, resident int64
	fmt.Sscan(string(data), &size, &resident)
	return resident * int64(os.Getpagesize())
}
