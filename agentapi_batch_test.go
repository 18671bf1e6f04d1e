package main

import (
	"fmt"
	"sync"
	"testing"
)

// Many messages at once, to one instance and from two users: each is
// written once, queued replies go to exactly one of them, the read pointer
// ends on the newest, and another user's messages are refused without
// failing anyone else's (on SQLite these land in shared batches).
func TestConcurrentMessagesToOneInstance(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		ann := newUserWithKey(t, env, srv, "ann@example.com")
		eve := newUserWithKey(t, env, srv, "eve@example.com")
		id := newInstanceID()
		ann.send(id, "start", false, map[string]any{"agent_type": "x"})
		ann.reply(id, "first note")
		ann.reply(id, "second note")

		const n = 40
		var wg sync.WaitGroup
		var mu sync.Mutex
		queuedSeen := 0
		var errs []string
		for i := range n {
			wg.Go(func() {
				res := ann.do("POST", "/messages/agent", map[string]any{"agent_instance_id": id, "content": fmt.Sprintf("step %d", i)})
				bad := eve.do("POST", "/messages/agent", map[string]any{"agent_instance_id": id, "content": "intrusion", "agent_type": "x"})
				mu.Lock()
				defer mu.Unlock()
				if res.status != 200 {
					errs = append(errs, fmt.Sprintf("ann: %d %s", res.status, res.body))
					return
				}
				if bad.status != 400 {
					errs = append(errs, fmt.Sprintf("eve: %d %s", bad.status, bad.body))
				}
				if q := res.json(t)["queued_user_messages"].([]any); len(q) > 0 {
					queuedSeen++
					if len(q) != 2 {
						errs = append(errs, fmt.Sprintf("queued %v", q))
					}
				}
			})
		}
		wg.Wait()
		for _, e := range errs {
			t.Error(e)
		}
		if queuedSeen != 1 {
			t.Errorf("the two queued notes reached %d messages, want exactly 1", queuedSeen)
		}
		inst := ann.ok(200, "GET", "/agent-instances/"+id, nil)
		msgs := messages(t, inst["messages"])
		if len(msgs) != n+3 {
			t.Fatalf("%d messages stored, want %d", len(msgs), n+3)
		}
		if newest := msgs[len(msgs)-1]; inst["last_read_message_id"] != newest["id"] || newest["sender_type"] != "AGENT" {
			t.Errorf("pointer %v is not the newest message %v", inst["last_read_message_id"], newest)
		}
		var steps int64
		if err := openStore(t, env).Gorm.Raw("SELECT step_count FROM agent_instances WHERE id = ?", id).Scan(&steps).Error; err != nil || steps != n+1 {
			t.Errorf("step_count %d (%v), want %d", steps, err, n+1)
		}
	})
}
