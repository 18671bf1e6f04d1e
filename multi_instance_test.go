package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/omnara-go/omnara/platform/dbtest"
)

// TestTwoInstancesBehaveAsOne runs two server processes on one PostgreSQL
// database, as behind a load balancer without sticky sessions.
func TestTwoInstancesBehaveAsOne(t *testing.T) {
	pg := dbtest.PostgresURL(t, true)
	env := map[string]string{"DATABASE_URL": dbtest.PostgresSchema(t), "OMNARA_DATA_DIR": t.TempDir()}
	mustOmnara(t, env, "", "user", "add", "--email", "ann@example.com", "--password", "long enough")
	key := strings.TrimSpace(mustOmnara(t, env, "", "token", "create", "--email", "ann@example.com", "--name", "laptop"))
	bin := buildRelease(t)
	procA, procB := startBinary(t, bin, env), startBinary(t, bin, env)
	onA := &agent{t: t, base: procA.URL + "/api/v1", key: key}
	onB := &agent{t: t, base: procB.URL + "/api/v1", key: key}

	// An agent waiting on A wakes when the answer is posted on B.
	id := newInstanceID()
	q := onA.send(id, "Deploy?", true, map[string]any{"agent_type": "bot"})
	waited := make(chan response, 1)
	start := time.Now()
	go func() {
		waited <- onA.do("GET", "/messages/pending?agent_instance_id="+id+"&last_read_message_id="+q["message_id"].(string)+"&wait=30", nil)
	}()
	waitUntil(t, "the wait to start on A", func() bool { return scrape(t, procA.URL, "omnara_waits_in_progress") == 1 })
	onB.reply(id, "yes, from B")
	if got := contents(t, (<-waited).json(t)["messages"]); len(got) != 1 || got[0] != "yes, from B" {
		t.Fatalf("the waiter on A got %v", got)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("waking across instances took %v", d)
	}

	// MCP through either instance: log on B, ask on A, answer on B.
	csA, csB := mcpClient(t, onA, "claude-code", nil), mcpClient(t, onB, "claude-code", nil)
	mid := mustTool(t, csB, "log_step", map[string]any{"step_description": "started on B"})["agent_instance_id"].(string)
	answered := make(chan map[string]any, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, _ := callToolQuiet(ctx, csA, "ask_question", map[string]any{"agent_instance_id": mid, "question_text": "Which region?"})
		answered <- out
	}()
	waitUntil(t, "ask_question to wait on A", func() bool { return scrape(t, procA.URL, "omnara_waits_in_progress") == 1 })
	onB.reply(mid, "eu-west")
	select {
	case out := <-answered:
		if out["answer"] != "eu-west" {
			t.Fatalf("ask_question on A returned %v", out)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("ask_question on A did not wake")
	}

	// A dashboard following A sees what an agent posts on B.
	page := signIn(t, &testServer{URL: procA.URL}, "ann@example.com", "long enough")
	stream := page.openStream("/events?instance="+id, "")
	stream.next(t, "instance")
	onB.send(id, "posted through B", false, nil)
	if ev := stream.next(t, "message"); !strings.Contains(ev.data, "posted through B") {
		t.Errorf("A's live page got %s", ev.data)
	}

	// If A's LISTEN connection drops, A reconnects and its waiters check
	// the database again, so an answer posted meanwhile is not lost.
	q2 := onA.send(id, "Still there?", true, nil)
	go func() {
		waited <- onA.do("GET", "/messages/pending?agent_instance_id="+id+"&last_read_message_id="+q2["message_id"].(string)+"&wait=30", nil)
	}()
	waitUntil(t, "the second wait on A", func() bool { return scrape(t, procA.URL, "omnara_waits_in_progress") == 1 })
	// Only this test's listeners: the channel is named after the schema.
	schema := regexp.MustCompile(`test_[0-9a-f]{12}`).FindString(env["DATABASE_URL"])
	dbtest.Exec(t, pg, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND query LIKE '%' || $1 || '%'`, schema)
	onB.reply(id, "answered while A was deaf")
	select {
	case res := <-waited:
		if got := contents(t, res.json(t)["messages"]); len(got) != 1 || got[0] != "answered while A was deaf" {
			t.Fatalf("after the reconnect A's waiter got %v", got)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("A's waiter never woke after its LISTEN connection dropped")
	}
	waitUntil(t, "A to report the restored connection", func() bool {
		return strings.Contains(procA.log.String(), "events: listen connection restored")
	})

	// Revoking a key on A stops it on B within 5 s (B caches keys for 3 s).
	keyID := revokeKeyForm.FindStringSubmatch(page.page("/keys", 200))[1]
	if res := onB.do("GET", "/auth/verify", nil); res.status != 200 {
		t.Fatalf("the key before revoking: %d", res.status)
	}
	if res := page.postForm("/keys/"+keyID+"/revoke", url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("revoke on A: %d %s", res.status, res.body)
	}
	revoked := time.Now()
	waitUntil(t, "B to refuse the revoked key", func() bool { return onB.do("GET", "/auth/verify", nil).status == 401 })
	if d := time.Since(revoked); d > 5*time.Second {
		t.Errorf("B accepted a revoked key for %v", d)
	}
}

// callToolQuiet calls a tool from a goroutine, where a test must not stop,
// and returns its structured result.
func callToolQuiet(ctx context.Context, cs *sdk.ClientSession, name string, args map[string]any) (map[string]any, error) {
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return nil, err
	}
	data, _ := json.Marshal(res.StructuredContent)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return out, nil
}
