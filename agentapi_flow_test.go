package main

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// The whole life of an agent session, as Omnara's SDK drives it.
func TestAgentSessionFlow(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		id := newInstanceID()

		first := a.send(id, "Reading the code", false, map[string]any{"agent_type": "  Claude-Code "})
		assertKeys(t, "agent message answer", first, "success", "agent_instance_id", "message_id", "queued_user_messages")
		if first["success"] != true || first["agent_instance_id"] != id || len(messages(t, first["queued_user_messages"])) != 0 {
			t.Fatalf("first step: %v", first)
		}
		// The instance exists now; agent_type is not needed any more.
		a.send(id, "Running the tests", false, nil)
		inst := a.ok(200, "GET", "/agent-instances/"+id, nil)
		if inst["agent_type_name"] != "claude-code" || inst["status"] != "ACTIVE" || len(messages(t, inst["messages"])) != 2 {
			t.Fatalf("instance after two steps: %v", inst)
		}

		// A question; a person answers from elsewhere while the agent waits.
		q := a.send(id, "Deploy to production?", true, nil)
		qid := q["message_id"].(string)
		if st := a.ok(200, "GET", "/agent-instances/"+id, nil)["status"]; st != "AWAITING_INPUT" {
			t.Fatalf("status after a question: %v", st)
		}
		go func() {
			time.Sleep(100 * time.Millisecond)
			a.reply(id, "Yes, go ahead")
		}()
		start := time.Now()
		got := a.ok(200, "GET", "/messages/pending?agent_instance_id="+id+"&last_read_message_id="+qid+"&wait=30", nil)
		assertKeys(t, "pending answer", got, "agent_instance_id", "messages", "status")
		if got["status"] != "ok" || !slices.Equal(contents(t, got["messages"]), []string{"Yes, go ahead"}) {
			t.Fatalf("pending with wait: %v", got)
		}
		if waited := time.Since(start); waited < 50*time.Millisecond || waited > 10*time.Second {
			t.Errorf("the wait took %v; it should end when the answer lands", waited)
		}
		answerID := messages(t, got["messages"])[0]["id"].(string)
		if st := a.ok(200, "GET", "/agent-instances/"+id, nil); st["status"] != "ACTIVE" || st["last_read_message_id"] != answerID {
			t.Fatalf("after the answer: %v", st)
		}
		// The old pointer is stale now; the new one has nothing pending.
		if got := a.ok(200, "GET", "/messages/pending?agent_instance_id="+id+"&last_read_message_id="+qid, nil); got["status"] != "stale" || len(messages(t, got["messages"])) != 0 {
			t.Fatalf("stale pointer: %v", got)
		}
		if got := a.ok(200, "GET", "/messages/pending?agent_instance_id="+id+"&last_read_message_id="+answerID, nil); got["status"] != "ok" || len(messages(t, got["messages"])) != 0 {
			t.Fatalf("nothing pending: %v", got)
		}
		// The question can be looked up after a disconnect.
		qv := a.ok(200, "GET", "/questions/"+qid, nil)
		if qv["answered"] != true || qv["answer"] != "Yes, go ahead" || qv["answer_id"] != answerID || qv["question"] != "Deploy to production?" {
			t.Fatalf("question view: %v", qv)
		}

		// Without wait (Omnara's polling): the answer is already there.
		q2 := a.send(id, "Which region?", true, nil)["message_id"].(string)
		a.reply(id, "eu-west")
		got = a.ok(200, "GET", "/messages/pending?agent_instance_id="+id+"&last_read_message_id="+q2, nil)
		if !slices.Equal(contents(t, got["messages"]), []string{"eu-west"}) {
			t.Fatalf("pending without wait: %v", got)
		}

		// Feedback sent while the agent works arrives once, on its next message.
		a.reply(id, "Also update the changelog")
		a.reply(id, "And bump the version")
		next := a.send(id, "Deploying", false, nil)
		if !slices.Equal(contents(t, next["queued_user_messages"]), []string{"Also update the changelog", "And bump the version"}) {
			t.Fatalf("queued feedback: %v", next)
		}
		if again := a.send(id, "Deployed", false, nil); len(messages(t, again["queued_user_messages"])) != 0 {
			t.Fatalf("queued feedback delivered twice: %v", again)
		}
		// A reply sent through the API (marked read by default) is not queued.
		res := a.ok(200, "POST", "/messages/user", map[string]any{"agent_instance_id": id, "content": "noted"})
		assertKeys(t, "user message answer", res, "success", "message_id", "marked_as_read")
		if res["marked_as_read"] != true {
			t.Fatalf("user message: %v", res)
		}
		if again := a.send(id, "Cleaning up", false, nil); len(messages(t, again["queued_user_messages"])) != 0 {
			t.Fatalf("a message marked read was queued: %v", again)
		}

		end := a.ok(200, "POST", "/sessions/end", map[string]any{"agent_instance_id": id})
		assertKeys(t, "end answer", end, "success", "agent_instance_id", "final_status")
		if end["final_status"] != "COMPLETED" {
			t.Fatalf("end: %v", end)
		}
		ended := a.ok(200, "GET", "/agent-instances/"+id, nil)
		a.ok(200, "POST", "/sessions/end", map[string]any{"agent_instance_id": id}) // idempotent
		a.send(id, "one more thing", false, nil)
		after := a.ok(200, "GET", "/agent-instances/"+id, nil)
		if after["status"] != "COMPLETED" || after["ended_at"] != ended["ended_at"] || after["ended_at"] == nil {
			t.Fatalf("a completed instance was reopened or its end moved: %v", after)
		}
		a.reply(id, "wake up")
		if st := a.ok(200, "GET", "/agent-instances/"+id, nil)["status"]; st != "ACTIVE" {
			t.Fatalf("a user message must reactivate a completed instance, status %v", st)
		}
		if n := len(messages(t, a.ok(200, "GET", "/agent-instances/"+id+"?message_limit=3", nil)["messages"])); n != 3 {
			t.Fatalf("message_limit=3 gave %d messages", n)
		}
	})
}

func TestInstancesRegisterHeartbeatAndStatus(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		id := newInstanceID()
		created := a.ok(201, "POST", "/agent-instances", map[string]any{"agent_type": "Codex", "agent_instance_id": id, "name": "fix bug 12", "transport": "ws"})
		assertKeys(t, "created instance", created, "agent_instance_id", "agent_type_id", "agent_type_name", "status", "name", "instance_metadata")
		if created["agent_instance_id"] != id || created["agent_type_name"] != "codex" || created["status"] != "ACTIVE" || created["name"] != "fix bug 12" {
			t.Fatalf("created: %v", created)
		}
		if meta, _ := created["instance_metadata"].(map[string]any); meta["transport"] != "ws" {
			t.Fatalf("instance_metadata: %v", created["instance_metadata"])
		}
		// Same agent type, matched case-insensitively, is reused.
		other := a.ok(201, "POST", "/agent-instances", map[string]any{"agent_type": "codex"})
		if other["agent_type_id"] != created["agent_type_id"] || other["instance_metadata"] != nil {
			t.Fatalf("second instance: %v", other)
		}
		if _, ok := other["agent_instance_id"].(string); !ok {
			t.Fatal("no id chosen for an instance registered without one")
		}
		a.fails(409, "Agent instance already exists", "POST", "/agent-instances", map[string]any{"agent_type": "codex", "agent_instance_id": id})

		hb := a.ok(200, "POST", "/agents/instances/"+id+"/heartbeat", nil)
		assertKeys(t, "heartbeat", hb, "agent_instance_id", "last_heartbeat_at")
		if inst := a.ok(200, "GET", "/agent-instances/"+id, nil); inst["last_heartbeat_at"] != hb["last_heartbeat_at"] {
			t.Fatalf("heartbeat not recorded: %v vs %v", inst["last_heartbeat_at"], hb["last_heartbeat_at"])
		}

		a.fails(400, "Status update not supported", "PUT", "/agent-instances/"+id+"/status", map[string]any{"status": "PAUSED"})
		done := a.ok(200, "PUT", "/agent-instances/"+id+"/status", map[string]any{"status": "COMPLETED"})
		assertKeys(t, "instance", done, "id", "agent_type_id", "agent_type_name", "status", "started_at", "ended_at", "git_diff", "messages", "last_read_message_id", "last_heartbeat_at", "instance_metadata", "name")
		if done["status"] != "COMPLETED" || done["ended_at"] == nil {
			t.Fatalf("status update: %v", done)
		}
	})
}

func TestGitDiffRules(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		id := newInstanceID()
		diff := "diff --git a/main.go b/main.go\n--- a/main.go\n+++ b/main.go\n@@ -1,2 +1,2 @@\n-old\n+new\n"
		diffOf := func() any { return a.ok(200, "GET", "/agent-instances/"+id, nil)["git_diff"] }

		a.send(id, "step", false, map[string]any{"agent_type": "x", "git_diff": "  " + diff + "\n\n"})
		if got := diffOf(); got != diff[:len(diff)-1] {
			t.Fatalf("plain diff stored as %q", got)
		}
		a.send(id, "step", false, map[string]any{"git_diff": "just some words, not a diff"})
		if got := diffOf(); got != diff[:len(diff)-1] {
			t.Fatalf("an invalid diff replaced the stored one: %q", got)
		}
		other := "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b"
		a.send(id, "step", false, map[string]any{"git_diff": base64Std(other)})
		if got := diffOf(); got != other {
			t.Fatalf("base64 diff stored as %q", got)
		}
		a.send(id, "step", false, map[string]any{"git_diff": nil})
		if got := diffOf(); got != other {
			t.Fatalf("a null git_diff changed the diff: %q", got)
		}
		a.send(id, "step", false, map[string]any{"git_diff": "   "})
		if got := diffOf(); got != nil {
			t.Fatalf("an empty diff must clear it, got %q", got)
		}
	})
}

// A hundred agents wait at once; each wakes with its own answer and no other.
func TestHundredConcurrentWaiters(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		const n = 100
		ids := make([]string, n)
		questions := make([]string, n)
		// The first messages race: each creates its instance and the agent
		// type they share.
		asked := make(chan error, n)
		for i := range n {
			ids[i] = newInstanceID()
			go func() {
				res := a.do("POST", "/messages/agent", map[string]any{"agent_instance_id": ids[i], "content": fmt.Sprintf("question %d", i), "requires_user_input": true, "agent_type": "load"})
				if res.status != 200 {
					asked <- fmt.Errorf("question %d: %d %s", i, res.status, res.body)
					return
				}
				questions[i], _ = res.json(t)["message_id"].(string)
				asked <- nil
			}()
		}
		for range n {
			if err := <-asked; err != nil {
				t.Fatal(err)
			}
		}
		baseline := srv.srv.broker.Subscribers()
		results := make(chan error, n)
		for i := range n {
			go func() {
				got := a.do("GET", "/messages/pending?agent_instance_id="+ids[i]+"&last_read_message_id="+questions[i]+"&wait=60", nil)
				if got.status != 200 {
					results <- fmt.Errorf("waiter %d: %d %s", i, got.status, got.body)
					return
				}
				c := contents(t, got.json(t)["messages"])
				if want := fmt.Sprintf("answer %d", i); len(c) != 1 || c[0] != want {
					results <- fmt.Errorf("waiter %d got %v, want [%s]", i, c, want)
					return
				}
				results <- nil
			}()
		}
		waitUntil(t, "all waiters subscribed", func() bool { return srv.srv.domain.agents.Waiting() == n })
		for i := n - 1; i >= 0; i-- { // answer in reverse, so order cannot help
			a.reply(ids[i], fmt.Sprintf("answer %d", i))
		}
		for range n {
			if err := <-results; err != nil {
				t.Error(err)
			}
		}
		waitUntil(t, "waits and subscriptions back to baseline", func() bool {
			return srv.srv.domain.agents.Waiting() == 0 && srv.srv.broker.Subscribers() == baseline
		})
	})
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
