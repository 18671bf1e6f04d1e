package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omnara-go/omnara/platform/dbtest"
)

// Benchmarks of the agent API against a real server on each database.
// Run them with a fixed count, e.g.
//
//	go test -run '^$' -bench 'Wake|AgentMessages' -benchtime 1000x .

// benchServer starts a server on a fresh database for a benchmark.
func benchServer(b *testing.B, env map[string]string) (*testServer, *agent) {
	b.Helper()
	env["OMNARA_LISTEN"] = "127.0.0.1:0"
	env["OMNARA_LOG_LEVEL"] = "error"
	srv := startServer(b, env)
	mustOmnara(b, env, "", "user", "add", "--email", "bench@example.com", "--password", "long enough")
	key := mustOmnara(b, env, "", "token", "create", "--email", "bench@example.com", "--name", "bench")
	return srv, &agent{t: b, base: srv.URL + "/api/v1", key: key[:len(key)-1]}
}

// BenchmarkWake measures how long an agent blocked on a question takes to
// wake once a person's answer is posted: with ?wait= (events) and with
// Omnara's one-second poll, in the same run.
func BenchmarkWake(b *testing.B) {
	for _, target := range dbtest.Targets(b) {
		for _, mode := range []string{"wait", "poll1s"} {
			b.Run(target.Name+"/"+mode, func(b *testing.B) {
				_, a := benchServer(b, target.Env(b))
				// People answer at a random moment, so a poller's phase is
				// random too; many agents overlap to keep the run short.
				workers := 32
				if mode == "poll1s" {
					workers = 100
				}
				var next atomic.Int64
				var mu sync.Mutex
				var afterReturn, afterSend []time.Duration
				var wg sync.WaitGroup
				b.ResetTimer()
				for range workers {
					wg.Go(func() {
						id := newInstanceID()
						a.send(id, "warm up", false, map[string]any{"agent_type": "bench"})
						for next.Add(1) <= int64(b.N) {
							q := a.send(id, "proceed?", true, nil)["message_id"].(string)
							woke := make(chan time.Time, 1)
							go func() {
								at, err := waitForAnswer(a, id, q, mode)
								if err != nil {
									b.Error(err)
								}
								woke <- at
							}()
							time.Sleep(20*time.Millisecond + rand.N(time.Second))
							sent := time.Now()
							a.reply(id, "yes")
							returned := time.Now()
							at := <-woke
							mu.Lock()
							afterReturn = append(afterReturn, max(0, at.Sub(returned)))
							afterSend = append(afterSend, at.Sub(sent))
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				b.StopTimer()
				report(b, "after_post_returned", afterReturn)
				report(b, "after_post_sent", afterSend)
			})
		}
	}
}

// waitForAnswer blocks until the answer to question q is delivered and
// returns when it was. It runs off the benchmark's goroutine, so it
// reports failures instead of stopping.
func waitForAnswer(a *agent, id, q, mode string) (time.Time, error) {
	path := "/messages/pending?agent_instance_id=" + id + "&last_read_message_id=" + q
	if mode == "wait" {
		path += "&wait=60"
	}
	for {
		res := a.do("GET", path, nil)
		var body struct{ Messages []json.RawMessage }
		if res.status != 200 || json.Unmarshal([]byte(res.body), &body) != nil {
			return time.Now(), fmt.Errorf("pending: %d %s", res.status, res.body)
		}
		if len(body.Messages) > 0 {
			return time.Now(), nil
		}
		if mode != "wait" {
			time.Sleep(time.Second)
		}
	}
}

func report(b *testing.B, name string, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	pct := func(p float64) float64 {
		return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))].Microseconds()) / 1000
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	b.ReportMetric(pct(0.50), name+"_p50_ms")
	b.ReportMetric(pct(0.99), name+"_p99_ms")
	b.ReportMetric(float64(sum.Microseconds())/float64(len(ds))/1000, name+"_mean_ms")
	b.ReportMetric(float64(ds[len(ds)-1].Microseconds())/1000, name+"_max_ms")
}

// BenchmarkAgentMessages measures POST /messages/agent with 64 agents at
// once, beside the same database's raw single-row insert rate measured
// with the same concurrency in the same run.
func BenchmarkAgentMessages(b *testing.B) {
	const agentsAtOnce = 64
	for _, target := range dbtest.Targets(b) {
		b.Run(target.Name, func(b *testing.B) {
			env := target.Env(b)
			srv, a := benchServer(b, env)
			ids := make([]string, agentsAtOnce)
			for i := range ids {
				ids[i] = newInstanceID()
				a.send(ids[i], "start", false, map[string]any{"agent_type": "bench"})
			}
			// The raw rate drifts on a shared machine, so it is measured just
			// before and just after the API phase and averaged.
			rawBefore := rawInsertRate(b, env, "bench_raw_before", agentsAtOnce, max(b.N, 2000))
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			// A lean client, as a load generator would be: bodies built by
			// hand and answers checked by status, so the CPU goes to the server.
			for i := range agentsAtOnce {
				wg.Go(func() {
					ctx := context.Background()
					for n := next.Add(1); n <= int64(b.N); n = next.Add(1) {
						body := `{"agent_instance_id":"` + ids[i] + `","content":"step ` + strconv.FormatInt(n, 10) + `"}`
						if res := a.call(ctx, "POST", "/messages/agent", body); res.status != 200 {
							b.Errorf("POST /messages/agent: %d %s", res.status, res.body)
							return
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			apiRate := float64(b.N) / elapsed.Seconds()
			rawRate := (rawBefore + rawInsertRate(b, env, "bench_raw_after", agentsAtOnce, max(b.N, 2000))) / 2
			b.ReportMetric(apiRate, "api_msgs/s")
			b.ReportMetric(rawRate, "raw_inserts/s")
			b.ReportMetric(100*apiRate/rawRate, "api_%_of_raw")
			batches, msgs := srv.srv.domain.agents.IngestStats()
			b.ReportMetric(float64(msgs)/float64(batches), "msgs/batch")
		})
	}
}

// rawInsertRate inserts n single rows with the given concurrency straight
// through the database driver, as a second process on the same database.
func rawInsertRate(b *testing.B, env map[string]string, table string, concurrency, n int) float64 {
	store := dbtest.Open(b, env, nil)
	sqlDB, err := store.Gorm.DB()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := sqlDB.Exec("CREATE TABLE " + table + " (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at TIMESTAMP NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	insert := "INSERT INTO " + table + " (id, body, created_at) VALUES ($1, $2, $3)"
	if store.Dialect == "sqlite" {
		insert = "INSERT INTO " + table + " (id, body, created_at) VALUES (?, ?, ?)"
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range concurrency {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				if _, err := sqlDB.ExecContext(context.Background(), insert, newInstanceID(), fmt.Sprintf("step %d", i), time.Now().UTC()); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}
