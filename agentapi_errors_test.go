package main

import (
	"net/http"
	"strings"
	"testing"
)

// Every error of the contract, with its exact status and sentence.
func TestAgentAPIErrors(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		id := newInstanceID()
		step := a.send(id, "a step", false, map[string]any{"agent_type": "x"})["message_id"].(string)
		unknown := newInstanceID()

		// 422: the body's shape.
		res := a.do("POST", "/messages/agent", map[string]any{"content": 5})
		if res.status != 422 || strings.TrimSpace(res.body) != `{"detail":[{"loc":["body","agent_instance_id"],"msg":"Field required","type":"missing"},{"loc":["body","content"],"msg":"Input should be a valid string","type":"string_type"}]}` {
			t.Errorf("invalid body: %d %s", res.status, res.body)
		}
		for body, want := range map[string]string{
			"":          `{"detail":[{"loc":["body"],"msg":"Field required","type":"missing"}]}`,
			"{not json": `{"detail":[{"loc":["body",0],"msg":"JSON decode error","type":"json_invalid"}]}`,
			"[1,2]":     `{"detail":[{"loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","type":"model_attributes_type"}]}`,
			`{"agent_instance_id":"` + id + `","content":"x","requires_user_input":"maybe","message_metadata":[1]}`: `{"detail":[{"loc":["body","requires_user_input"],"msg":"Input should be a valid boolean","type":"bool_type"},{"loc":["body","message_metadata"],"msg":"Input should be a valid dictionary","type":"dict_type"}]}`,
		} {
			res := a.do("POST", "/messages/agent", body)
			if res.status != 422 || strings.TrimSpace(res.body) != want {
				t.Errorf("body %q: %d %s, want 422 %s", body, res.status, res.body, want)
			}
		}

		// POST /messages/agent
		a.fails(400, "Invalid agent_instance_id", "POST", "/messages/agent", map[string]any{"agent_instance_id": "not-a-uuid", "content": "x", "agent_type": "x"})
		a.fails(400, "agent_type is required when creating new instance", "POST", "/messages/agent", map[string]any{"agent_instance_id": unknown, "content": "x"})
		a.fails(400, "agent_type is required when creating new instance", "POST", "/messages/agent", map[string]any{"agent_instance_id": unknown, "content": "x", "agent_type": "  "})
		// POST /messages/user
		a.fails(400, "Agent instance not found", "POST", "/messages/user", map[string]any{"agent_instance_id": unknown, "content": "x"})
		a.fails(400, "Agent instance not found", "POST", "/messages/user", map[string]any{"agent_instance_id": "nope", "content": "x"})
		// GET /messages/pending
		res = a.do("GET", "/messages/pending", nil)
		if res.status != 422 || !strings.Contains(res.body, `"loc":["query","agent_instance_id"]`) {
			t.Errorf("pending without id: %d %s", res.status, res.body)
		}
		a.fails(400, "agent_type is required when creating new instance", "GET", "/messages/pending?agent_instance_id="+unknown, nil)
		a.fails(400, "Invalid agent_instance_id", "GET", "/messages/pending?agent_instance_id=nope", nil)
		a.fails(400, "Invalid last_read_message_id", "GET", "/messages/pending?agent_instance_id="+id+"&last_read_message_id=nope", nil)
		for q, msg := range map[string]string{
			"wait=301": "Input should be less than or equal to 300",
			"wait=-1":  "Input should be greater than or equal to 0",
			"wait=abc": "Input should be a valid number, unable to parse string as a number",
		} {
			res := a.do("GET", "/messages/pending?agent_instance_id="+id+"&"+q, nil)
			if res.status != 422 || !strings.Contains(res.body, msg) {
				t.Errorf("pending %s: %d %s", q, res.status, res.body)
			}
		}
		// GET bodies are ignored (n8n sends {}).
		if res := a.do("GET", "/messages/pending?agent_instance_id="+id, "{}"); res.status != 200 {
			t.Errorf("GET with a {} body: %d %s", res.status, res.body)
		}
		// PATCH /messages/{id}/request-input
		a.fails(404, "Agent message not found or access denied", "PATCH", "/messages/"+newInstanceID()+"/request-input", nil)
		a.fails(404, "Agent message not found or access denied", "PATCH", "/messages/nope/request-input", nil)
		reply := a.reply(id, "a reply")
		a.fails(404, "Agent message not found or access denied", "PATCH", "/messages/"+reply+"/request-input", nil)
		q := a.send(id, "a question", true, nil)["message_id"].(string)
		a.fails(400, "Message already requires user input", "PATCH", "/messages/"+q+"/request-input", nil)
		// Turning the newest step into a question.
		latest := a.send(id, "are we done?", false, nil)["message_id"].(string)
		ri := a.ok(200, "PATCH", "/messages/"+latest+"/request-input", nil)
		assertKeys(t, "request-input", ri, "success", "message_id", "agent_instance_id", "messages", "status")
		if ri["status"] != "ok" || len(messages(t, ri["messages"])) != 0 {
			t.Errorf("request-input: %v", ri)
		}
		if st := a.ok(200, "GET", "/agent-instances/"+id, nil)["status"]; st != "AWAITING_INPUT" {
			t.Errorf("request-input left status %v", st)
		}
		if ri := a.ok(200, "PATCH", "/messages/"+step+"/request-input", nil); ri["status"] != "stale" {
			t.Errorf("request-input on an old message: %v", ri)
		}
		// POST /sessions/end
		a.fails(400, "agent_type is required when creating new instance", "POST", "/sessions/end", map[string]any{"agent_instance_id": unknown})
		a.fails(400, "Invalid agent_instance_id", "POST", "/sessions/end", map[string]any{"agent_instance_id": "nope"})
		// POST /agents/instances/{id}/heartbeat
		res = a.do("POST", "/agents/instances/nope/heartbeat", nil)
		if res.status != 422 || strings.TrimSpace(res.body) != `{"detail":[{"loc":["path","instance_id"],"msg":"Input should be a valid UUID","type":"uuid_parsing"}]}` {
			t.Errorf("heartbeat with a bad id: %d %s", res.status, res.body)
		}
		a.fails(404, "Agent instance not found", "POST", "/agents/instances/"+unknown+"/heartbeat", nil)
		// POST /agent-instances
		a.fails(400, "Invalid agent_instance_id", "POST", "/agent-instances", map[string]any{"agent_type": "x", "agent_instance_id": "nope"})
		res = a.do("POST", "/agent-instances", map[string]any{"agent_instance_id": newInstanceID()})
		if res.status != 422 || !strings.Contains(res.body, `"loc":["body","agent_type"]`) {
			t.Errorf("instance without agent_type: %d %s", res.status, res.body)
		}
		// GET/PUT /agent-instances/{id}, GET /questions/{id}
		a.fails(404, "Agent instance not found", "GET", "/agent-instances/"+unknown, nil)
		a.fails(404, "Agent instance not found", "GET", "/agent-instances/nope", nil)
		a.fails(404, "Agent instance not found", "PUT", "/agent-instances/"+unknown+"/status", map[string]any{"status": "COMPLETED"})
		plain := a.send(id, "just a step", false, nil)["message_id"].(string)
		a.fails(404, "Question not found", "GET", "/questions/"+plain, nil)
		a.fails(404, "Question not found", "GET", "/questions/nope", nil)
	})
}

// Another user's key gets the contract's error on every route, and the
// first user's data stays as it was.
func TestAnotherUsersKeyCannotTouchAnInstance(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		ann := newUserWithKey(t, env, srv, "ann@example.com")
		eve := newUserWithKey(t, env, srv, "eve@example.com")
		id := newInstanceID()
		ann.send(id, "a step", false, map[string]any{"agent_type": "x", "git_diff": "--- a/x\n+++ b/x"})
		q := ann.send(id, "secret question", true, nil)["message_id"].(string)
		before := ann.ok(200, "GET", "/agent-instances/"+id, nil)

		const denied = "Access denied. Agent instance does not belong to authenticated user."
		eve.fails(400, denied, "POST", "/messages/agent", map[string]any{"agent_instance_id": id, "content": "injected", "agent_type": "x"})
		eve.fails(400, "Agent instance not found", "POST", "/messages/user", map[string]any{"agent_instance_id": id, "content": "injected"})
		eve.fails(400, denied, "GET", "/messages/pending?agent_instance_id="+id, nil)
		eve.fails(400, denied, "GET", "/messages/pending?agent_instance_id="+id+"&wait=1", nil)
		eve.fails(404, "Agent message not found or access denied", "PATCH", "/messages/"+q+"/request-input", nil)
		eve.fails(404, "Question not found", "GET", "/questions/"+q, nil)
		eve.fails(400, denied, "POST", "/sessions/end", map[string]any{"agent_instance_id": id})
		eve.fails(404, "Agent instance not found", "POST", "/agents/instances/"+id+"/heartbeat", nil)
		eve.fails(403, "Agent instance belongs to another user", "POST", "/agent-instances", map[string]any{"agent_type": "x", "agent_instance_id": id})
		eve.fails(404, "Agent instance not found", "GET", "/agent-instances/"+id, nil)
		eve.fails(404, "Agent instance not found", "PUT", "/agent-instances/"+id+"/status", map[string]any{"status": "COMPLETED"})

		after := ann.ok(200, "GET", "/agent-instances/"+id, nil)
		for _, k := range []string{"status", "last_read_message_id", "last_heartbeat_at", "ended_at", "git_diff"} {
			if before[k] != after[k] {
				t.Errorf("%s changed from %v to %v after another user's calls", k, before[k], after[k])
			}
		}
		if len(messages(t, after["messages"])) != 2 {
			t.Errorf("messages changed: %v", after["messages"])
		}
		if v := eve.ok(http.StatusOK, "GET", "/auth/verify", nil); v["email"] != "eve@example.com" {
			t.Errorf("eve's key is eve's: %v", v)
		}
	})
}
