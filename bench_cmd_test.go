package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/omnara-go/omnara/platform/dbtest"
)

// These tests run "omnara bench" through the binary's entry point against
// a test server, briefly, and check that what it reports is sane.

// benchLatency is the latency object every scenario reports.
type benchLatency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
	Mean  float64 `json:"mean_ms"`
}

// benchHeader is what every scenario's JSON starts with.
type benchHeader struct {
	Scenario     string   `json:"scenario"`
	URL          string   `json:"url"`
	ElapsedS     float64  `json:"elapsed_s"`
	CutShort     bool     `json:"cut_short"`
	Errors       int64    `json:"errors"`
	ErrorSamples []string `json:"error_samples"`
}

// benchServerFor starts a quiet SQLite server with extra environment and
// a user with a key.
func benchServerFor(t *testing.T, kv ...string) (map[string]string, *testServer, *agent) {
	t.Helper()
	env := sqliteEnv(t, append([]string{"OMNARA_LOG_LEVEL", "error"}, kv...)...)
	srv := startServer(t, env)
	return env, srv, newUserWithKey(t, env, srv, "bench@example.com")
}

// runBench runs "omnara bench" with --json, requires success and decodes
// its output into out.
func runBench(t *testing.T, env map[string]string, out any, args ...string) {
	t.Helper()
	r := omnara(t, env, "", append(append([]string{"bench"}, args...), "--json")...)
	if r.code != 0 {
		t.Fatalf("omnara bench %v: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
	if err := json.Unmarshal([]byte(r.stdout), out); err != nil {
		t.Fatalf("bench output is not one JSON object: %v\n%s", err, r.stdout)
	}
	if !strings.Contains(r.stderr, "bench "+args[0]+":") {
		t.Errorf("no progress line on stderr:\n%s", r.stderr)
	}
}

func checkHeader(t *testing.T, h benchHeader, scenario string) {
	t.Helper()
	if h.Scenario != scenario || h.URL == "" || h.ElapsedS <= 0 {
		t.Errorf("header = %+v, want scenario %s with a URL and an elapsed time", h, scenario)
	}
	if h.CutShort {
		t.Errorf("%s was cut short", scenario)
	}
	if h.Errors != 0 {
		t.Errorf("%s had %d errors: %v", scenario, h.Errors, h.ErrorSamples)
	}
}

// checkLatency requires count samples with ordered, non-negative
// percentiles and, when positive, a positive maximum and mean.
func checkLatency(t *testing.T, what string, l benchLatency, count int, positive bool) {
	t.Helper()
	if l.Count != count {
		t.Errorf("%s: %d samples, want %d", what, l.Count, count)
	}
	if l.P50 < 0 || l.P50 > l.P90 || l.P90 > l.P99 || l.P99 > l.Max || l.Mean > l.Max {
		t.Errorf("%s: percentiles out of order: %+v", what, l)
	}
	if positive && (l.P50 <= 0 || l.Max <= 0 || l.Mean <= 0) {
		t.Errorf("%s: latencies should be above 0: %+v", what, l)
	}
}

func TestBenchWake(t *testing.T) {
	env, srv, a := benchServerFor(t)
	var res struct {
		benchHeader
		Agents    int `json:"agents"`
		Questions int `json:"questions"`
		Events    struct {
			Errors         int64        `json:"errors"`
			Latency        benchLatency `json:"latency"`
			FromAnswerSent benchLatency `json:"from_answer_sent"`
		} `json:"events"`
		Poll *struct {
			Errors         int64        `json:"errors"`
			Latency        benchLatency `json:"latency"`
			FromAnswerSent benchLatency `json:"from_answer_sent"`
		} `json:"baseline_poll"`
		Speedup *float64 `json:"speedup"`
	}
	runBench(t, env, &res, "wake", "--url", srv.URL, "--api-key", a.key,
		"--agents", "5", "--questions", "30", "--baseline-poll", "200ms", "--duration", "40s")
	checkHeader(t, res.benchHeader, "wake")
	if res.Agents != 5 || res.Questions != 30 {
		t.Errorf("agents, questions = %d, %d; want 5, 30", res.Agents, res.Questions)
	}
	// The event often wakes the agent before the answer's own response
	// arrives, so the clamped latency may be 0; from the send it cannot.
	checkLatency(t, "events", res.Events.Latency, 30, false)
	checkLatency(t, "events from the answer sent", res.Events.FromAnswerSent, 30, true)
	if res.Poll == nil {
		t.Fatal("no baseline_poll in the result")
	}
	checkLatency(t, "poll", res.Poll.Latency, 30, true)
	checkLatency(t, "poll from the answer sent", res.Poll.FromAnswerSent, 30, true)
	if res.Poll.Latency.Mean <= res.Events.Latency.Mean || res.Poll.FromAnswerSent.Mean <= res.Events.FromAnswerSent.Mean {
		t.Errorf("polling (mean %v ms) should be slower than events (mean %v ms)", res.Poll.Latency.Mean, res.Events.Latency.Mean)
	}
	if res.Events.Latency.Mean > 0 && (res.Speedup == nil || *res.Speedup <= 1) {
		t.Errorf("speedup = %v, want above 1", res.Speedup)
	}

	// The table form says the same in words.
	r := omnara(t, env, "", "bench", "wake", "--url", srv.URL, "--api-key", a.key, "--agents", "2", "--questions", "4")
	if r.code != 0 || !strings.Contains(r.stdout, "wake-up latency") || !strings.Contains(r.stdout, "events: after the answer's POST returned") {
		t.Errorf("table run: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}

	// A wrong key stops the run at once with a sentence.
	r = omnara(t, env, "", "bench", "wake", "--url", srv.URL, "--api-key", "not-a-key", "--questions", "1")
	if r.code != 1 || !strings.Contains(r.stderr, "refused the API key") {
		t.Errorf("wrong key: exit %d, stderr %q", r.code, r.stderr)
	}
}

type benchWaiters struct {
	benchHeader
	Via              string  `json:"via"`
	Waiters          int     `json:"waiters"`
	Opened           int64   `json:"opened"`
	Waiting          int64   `json:"waiting"`
	HoldS            float64 `json:"hold_s"`
	ServerRSSMB      float64 `json:"server_rss_mb"`
	ServerGoroutines int64   `json:"server_goroutines"`
	DBQueriesPerS    float64 `json:"db_queries_per_s"`
}

func TestBenchWaiters(t *testing.T) {
	env, srv, a := benchServerFor(t)
	for _, c := range []struct {
		via string
		n   int
	}{{"rest", 50}, {"mcp", 20}} {
		t.Run(c.via, func(t *testing.T) {
			noWaits(t, srv) // the server counts every wait, so the last run's must be gone
			var res benchWaiters
			runBench(t, env, &res, "waiters", "--url", srv.URL, "--api-key", a.key,
				"--via", c.via, "--waiters", strconv.Itoa(c.n), "--hold", "1s", "--duration", "30s")
			checkHeader(t, res.benchHeader, "waiters")
			if res.Via != c.via || res.Waiters != c.n || res.Opened != int64(c.n) || res.Waiting != int64(c.n) {
				t.Errorf("via %s, waiters %d, opened %d, waiting %d; want %s and %d of each", res.Via, res.Waiters, res.Opened, res.Waiting, c.via, c.n)
			}
			if res.HoldS < 0.9 || res.ServerRSSMB <= 0 || res.ServerGoroutines < int64(c.n) {
				t.Errorf("hold %vs, RSS %v MB, %d goroutines: want a 1s hold and the server's figures", res.HoldS, res.ServerRSSMB, res.ServerGoroutines)
			}
			if res.DBQueriesPerS < 0 || res.DBQueriesPerS >= 1 {
				t.Errorf("%v DB queries/s while everyone waits; waits must not poll", res.DBQueriesPerS)
			}
		})
	}
	noWaits(t, srv)
}

// noWaits requires the server to count no blocked call within moments
// (it notices closed connections quickly, not at once).
func noWaits(t *testing.T, srv *testServer) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for scrape(t, srv.URL, "omnara_waits_in_progress") != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := scrape(t, srv.URL, "omnara_waits_in_progress"); n != 0 {
		t.Fatalf("%v waits still in progress", n)
	}
}

func TestBenchIngest(t *testing.T) {
	env, srv, a := benchServerFor(t)
	var res struct {
		benchHeader
		Agents       int          `json:"agents"`
		Messages     int64        `json:"messages"`
		MessagesPerS float64      `json:"messages_per_s"`
		Latency      benchLatency `json:"latency"`
		Raw          *struct {
			Table    string  `json:"table"`
			Rows     int64   `json:"rows"`
			RowsPerS float64 `json:"rows_per_s"`
		} `json:"raw"`
		IngestToRaw float64 `json:"ingest_to_raw"`
	}
	// --raw opens the server's database through the shared flags, here
	// OMNARA_DATA_DIR from the environment.
	runBench(t, env, &res, "ingest", "--url", srv.URL, "--api-key", a.key,
		"--agents", "4", "--duration", "2s", "--raw", "--raw-duration", "1s")
	checkHeader(t, res.benchHeader, "ingest")
	if res.Agents != 4 || res.Messages <= 0 || res.MessagesPerS <= 0 {
		t.Errorf("agents %d, messages %d, %v/s; want 4 agents posting", res.Agents, res.Messages, res.MessagesPerS)
	}
	checkLatency(t, "ingest", res.Latency, int(res.Messages), true)
	if res.Raw == nil || res.Raw.Table != "bench_raw_inserts" || res.Raw.Rows <= 0 || res.Raw.RowsPerS <= 0 || res.IngestToRaw <= 0 {
		t.Errorf("raw = %+v, ingest/raw = %v; want a raw rate", res.Raw, res.IngestToRaw)
	}
	store := dbtest.Open(t, env, nil)
	if store.Gorm.Migrator().HasTable("bench_raw_inserts") {
		t.Error("the scratch table bench_raw_inserts was left behind")
	}

	// --raw refuses to create a database where there is none.
	r := omnara(t, env, "", "bench", "ingest", "--url", srv.URL, "--api-key", a.key, "--raw", "--data-dir", t.TempDir())
	if r.code != 1 || !strings.Contains(r.stderr, "--raw: no SQLite database at") {
		t.Errorf("--raw on an empty folder: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestBenchSSE(t *testing.T) {
	env, srv, a := benchServerFor(t, "OMNARA_MAX_LIVE_STREAMS", "5")
	var res struct {
		benchHeader
		Streams    int          `json:"streams"`
		Messages   int          `json:"messages"`
		Posted     int64        `json:"posted"`
		Deliveries int64        `json:"deliveries"`
		Missing    int64        `json:"missing"`
		Latency    benchLatency `json:"latency"`
	}
	runBench(t, env, &res, "sse", "--url", srv.URL, "--api-key", a.key,
		"--email", "bench@example.com", "--password", "long enough", "--streams", "5", "--messages", "10", "--duration", "30s")
	checkHeader(t, res.benchHeader, "sse")
	if res.Streams != 5 || res.Messages != 10 || res.Posted != 10 || res.Deliveries != 50 || res.Missing != 0 {
		t.Errorf("streams %d, messages %d, posted %d, deliveries %d, missing %d; want 5, 10, 10, 50, 0",
			res.Streams, res.Messages, res.Posted, res.Deliveries, res.Missing)
	}
	checkLatency(t, "sse", res.Latency, 50, true)

	// More streams than the server allows one person: a sentence naming
	// the server flag to raise.
	r := omnara(t, env, "", "bench", "sse", "--url", srv.URL, "--api-key", a.key,
		"--email", "bench@example.com", "--password", "long enough", "--streams", "6", "--messages", "1")
	if r.code != 1 || !strings.Contains(r.stderr, "raise --max-live-streams") {
		t.Errorf("6 streams over a limit of 5: exit %d, stderr %q", r.code, r.stderr)
	}

	// A wrong password is a sign-in failure, not a crash.
	r = omnara(t, env, "", "bench", "sse", "--url", srv.URL, "--api-key", a.key,
		"--email", "bench@example.com", "--password", "wrong password", "--streams", "1", "--messages", "1")
	if r.code != 1 || !strings.Contains(r.stderr, "email or password is wrong") {
		t.Errorf("wrong password: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestBenchBadFlags(t *testing.T) {
	env := sqliteEnv(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench"}, "bench needs a scenario"},
		{[]string{"bench", "wake", "--api-key", "k"}, "needs --url"},
		{[]string{"bench", "wake", "--url", "http://127.0.0.1:1"}, "needs --api-key"},
		{[]string{"bench", "fly", "--url", "http://x", "--api-key", "k"}, `unknown bench scenario "fly"`},
		{[]string{"bench", "wake", "--url", "127.0.0.1:8080", "--api-key", "k"}, "is not an http(s) URL"},
		{[]string{"bench", "wake", "--url", "http://x", "--api-key", "k", "--agents", "0"}, "--agents and --questions must be at least 1"},
		{[]string{"bench", "waiters", "--url", "http://x", "--api-key", "k", "--via", "grpc"}, `--via must be rest or mcp, not "grpc"`},
		{[]string{"bench", "waiters", "--url", "http://x", "--api-key", "k", "--questions", "3"}, "flag provided but not defined: -questions"},
		{[]string{"bench", "sse", "--url", "http://x", "--api-key", "k"}, "needs --email"},
		{[]string{"bench", "ingest", "--url", "http://x", "--api-key", "k", "--duration", "0s"}, "--duration must be positive"},
		// The load generator takes the database flags (for --raw), not the server's.
		{[]string{"bench", "ingest", "--url", "http://x", "--api-key", "k", "--smtp-host", "mail.example.com"}, "flag provided but not defined: -smtp-host"},
		{[]string{"bench", "wake", "--url", "http://x", "--api-key", "k", "--database-url", "mysql://x"}, "DATABASE_URL must start with postgres:// or postgresql://"},
	} {
		r := omnara(t, env, "", c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("omnara %v: exit %d, stderr %q; want exit 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
}
