package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omnara-go/omnara/modules/agents"
	"github.com/omnara-go/omnara/platform/dbtest"
	"github.com/omnara-go/omnara/platform/events"
)

// A client that hangs up frees its wait and subscription at once.
func TestDisconnectedWaiterIsFreed(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		id := newInstanceID()
		q := a.send(id, "still there?", true, map[string]any{"agent_type": "x"})["message_id"].(string)
		baseline := srv.srv.broker.Subscribers()

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan response, 1)
		go func() {
			done <- a.call(ctx, "GET", "/messages/pending?agent_instance_id="+id+"&last_read_message_id="+q+"&wait=120", nil)
		}()
		waitUntil(t, "the wait to start", func() bool { return srv.srv.domain.agents.Waiting() == 1 })
		cancel()
		<-done
		waitUntil(t, "the wait to be freed", func() bool {
			return srv.srv.domain.agents.Waiting() == 0 && srv.srv.broker.Subscribers() == baseline
		})
		// The question is still answerable and the agent can resume.
		a.reply(id, "yes")
		if got := a.ok(200, "GET", "/questions/"+q+"?wait=5", nil); got["answer"] != "yes" {
			t.Fatalf("resume after disconnect: %v", got)
		}
	})
}

// A wait that runs out answers like Omnara's pending: nothing, status ok.
func TestWaitRunsOut(t *testing.T) {
	env := map[string]string{"OMNARA_DATA_DIR": t.TempDir(), "OMNARA_LISTEN": "127.0.0.1:0"}
	srv := startServer(t, env)
	a := newUserWithKey(t, env, srv, "ann@example.com")
	id := newInstanceID()
	q := a.send(id, "anyone?", true, map[string]any{"agent_type": "x"})["message_id"].(string)
	start := time.Now()
	got := a.ok(200, "GET", "/messages/pending?agent_instance_id="+id+"&last_read_message_id="+q+"&wait=0.3", nil)
	if got["status"] != "ok" || len(messages(t, got["messages"])) != 0 || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("after the wait ran out: %v (%v)", got, time.Since(start))
	}
	if got := a.ok(200, "GET", "/questions/"+q+"?wait=0.2", nil); got["answered"] != false || got["answer"] != nil {
		t.Fatalf("unanswered question: %v", got)
	}
}

// Shutting down ends every wait at once instead of holding the shutdown.
func TestShutdownEndsWaits(t *testing.T) {
	env := map[string]string{"OMNARA_DATA_DIR": t.TempDir(), "OMNARA_LISTEN": "127.0.0.1:0"}
	mustOmnara(t, env, "", "user", "add", "--email", "ann@example.com", "--password", "long enough")
	key := mustOmnara(t, env, "", "token", "create", "--email", "ann@example.com", "--name", "k")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := cli{ctx: ctx, env: func(k string) string { return env[k] }, stdout: io.Discard, stderr: io.Discard}
	cfg, _ := c.parseConfig(newFlagSet("serve"), nil)
	s, err := c.startServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- s.run(ctx) }()
	a := &agent{t: t, base: s.url() + "/api/v1", key: key[:len(key)-1]}
	id := newInstanceID()
	q := a.send(id, "q", true, map[string]any{"agent_type": "x"})["message_id"].(string)
	waited := make(chan response, 1)
	go func() {
		waited <- a.do("GET", "/messages/pending?agent_instance_id="+id+"&last_read_message_id="+q+"&wait=300", nil)
	}()
	waitUntil(t, "the wait to start", func() bool { return s.domain.agents.Waiting() == 1 })
	start := time.Now()
	cancel()
	select {
	case res := <-waited:
		if res.status != 200 {
			t.Errorf("wait ended by shutdown: %d %s", res.status, res.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a wait held the shutdown")
	}
	if err := <-stopped; err != nil || time.Since(start) > 5*time.Second {
		t.Fatalf("shutdown took %v: %v", time.Since(start), err)
	}
}

// Omnara's user-message webhook (n8n's send-and-wait) fires once, after
// the reply, with its headers and payload.
func TestUserMessageWebhook(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		var mu sync.Mutex
		var calls []map[string]any
		var headers []http.Header
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body map[string]any
			_ = json.NewDecoder(r.Body).Decode(&body)
			mu.Lock()
			calls = append(calls, body)
			headers = append(headers, r.Header.Clone())
			mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
		}))
		defer receiver.Close()
		count := func() int { mu.Lock(); defer mu.Unlock(); return len(calls) }

		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		id := newInstanceID()
		q := a.send(id, "Approve?", true, map[string]any{"agent_type": "n8n", "message_metadata": map[string]any{
			"webhook_url": receiver.URL + "/resume/123", "execution_id": "123", "node_id": "n1", "webhook_type": "n8n_send_and_wait",
		}})["message_id"].(string)
		replyID := a.reply(id, "approved")
		waitUntil(t, "the webhook", func() bool { return count() == 1 })

		mu.Lock()
		call, h := calls[0], headers[0]
		mu.Unlock()
		if h.Get("X-Omnara-Webhook") != "true" || h.Get("Content-Type") != "application/json" {
			t.Errorf("webhook headers: %v", h)
		}
		keys := make([]string, 0, len(call))
		for k := range call {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"agent_instance_id", "message_id", "timestamp", "user_id", "user_message"}) ||
			call["user_message"] != "approved" || call["message_id"] != replyID || call["agent_instance_id"] != id {
			t.Errorf("webhook payload: %v", call)
		}
		// Recorded on the question, so a second reply does not fire it again.
		store := openStore(t, env)
		waitUntil(t, "the webhook to be recorded", func() bool {
			var meta string
			store.Gorm.Raw("SELECT message_metadata FROM messages WHERE id = ?", q).Scan(&meta)
			var m map[string]any
			_ = json.Unmarshal([]byte(meta), &m)
			return m["webhook_triggered"] == true && m["webhook_response_status"] == float64(202) && m["execution_id"] == "123"
		})
		a.reply(id, "second thoughts")
		time.Sleep(300 * time.Millisecond)
		if n := count(); n != 1 {
			t.Errorf("webhook fired %d times, want once", n)
		}
	})
}

// Writes announce themselves on the broker with user and instance ids, so
// the dashboard and notifications can follow.
func TestWritesPublishEvents(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		userID, _ := keyID(t, a.key)
		sub := srv.srv.broker.Subscribe(events.Filter{UserID: userID})
		defer sub.Close()
		id := newInstanceID()
		msgID := a.send(id, "step", false, map[string]any{"agent_type": "x", "git_diff": "--- a/x\n+++ b/x"})["message_id"].(string)
		a.ok(200, "POST", "/agents/instances/"+id+"/heartbeat", nil)

		a.ok(200, "POST", "/sessions/end", map[string]any{"agent_instance_id": id})
		want := []events.Kind{agents.EventInstanceCreated, agents.EventMessageCreated, agents.EventGitDiffUpdated, agents.EventHeartbeat, agents.EventInstanceUpdated}
		var got []events.Kind
		timeout := time.After(10 * time.Second)
		for len(got) < len(want) {
			select {
			case ev := <-sub.C():
				if ev.UserID != userID || ev.InstanceID != id {
					t.Fatalf("event for the wrong owner or instance: %+v", ev)
				}
				if ev.Kind == agents.EventMessageCreated && ev.MessageID != msgID {
					t.Errorf("message event carries %q, want %q", ev.MessageID, msgID)
				}
				got = append(got, ev.Kind)
			case <-timeout:
				t.Fatalf("events so far %v, want %v", got, want)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
	})
}

// On PostgreSQL, an answer that lands while the server's LISTEN connection
// is down still wakes the waiting agent: the broker reconnects and tells
// waiters to re-check the database.
func TestWaitSurvivesListenConnectionDrop(t *testing.T) {
	env := map[string]string{"DATABASE_URL": dbtest.PostgresSchema(t), "OMNARA_DATA_DIR": t.TempDir(), "OMNARA_LISTEN": "127.0.0.1:0"}
	srv := startServer(t, env)
	a := newUserWithKey(t, env, srv, "ann@example.com")
	id := newInstanceID()
	q := a.send(id, "still with me?", true, map[string]any{"agent_type": "x"})["message_id"].(string)
	woke := make(chan response, 1)
	go func() {
		woke <- a.do("GET", "/messages/pending?agent_instance_id="+id+"&last_read_message_id="+q+"&wait=30", nil)
	}()
	waitUntil(t, "the wait to start", func() bool { return srv.srv.domain.agents.Waiting() == 1 })

	channel := srv.srv.broker.(*events.Postgres).Channel()
	dbtest.Exec(t, dbtest.PostgresURL(t, true),
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1",
		"LISTEN "+pgx.Identifier{channel}.Sanitize())
	a.reply(id, "yes") // most likely before the listener is back

	select {
	case res := <-woke:
		if res.status != 200 || !strings.Contains(res.body, `"content":"yes"`) {
			t.Fatalf("after the connection drop: %d %s", res.status, res.body)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the answer was lost while the LISTEN connection was down")
	}
	waitUntil(t, "the drop to be seen and healed", func() bool {
		return strings.Contains(srv.log.String(), "events: listen connection restored")
	})
}
