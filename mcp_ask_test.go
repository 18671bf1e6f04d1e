package main

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// lastQuestion returns the id of the instance's newest question.
func lastQuestion(t *testing.T, a *agent, id string) string {
	t.Helper()
	msgs := messages(t, a.ok(200, "GET", "/agent-instances/"+id, nil)["messages"])
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i]["requires_user_input"] == true {
			return msgs[i]["id"].(string)
		}
	}
	t.Fatalf("instance %s has no question", id)
	return ""
}

// answerWhenAsked replies to the instance's next question once it exists.
func answerWhenAsked(t *testing.T, a *agent, id string, after int, replies ...string) {
	go func() {
		for _, reply := range replies {
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				res := a.do("GET", "/agent-instances/"+id, nil)
				if res.status == 200 {
					if n := countQuestions(res.json(t)["messages"]); n > after {
						break
					}
				}
				time.Sleep(20 * time.Millisecond)
			}
			a.do("POST", "/messages/user", map[string]any{"agent_instance_id": id, "content": reply, "mark_as_read": false})
			after++
		}
	}()
}

func countQuestions(v any) int {
	n := 0
	for _, m := range v.([]any) {
		if m.(map[string]any)["requires_user_input"] == true {
			n++
		}
	}
	return n
}

func TestMCPAskQuestion(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		env["OMNARA_MCP_PROGRESS_INTERVAL"] = "200ms"
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		var progress atomic.Int64
		cs := mcpClient(t, a, "Cursor/1.0", &progress)
		id := mustTool(t, cs, "log_step", map[string]any{"step_description": "start"})["agent_instance_id"].(string)

		// Answered through the REST API from elsewhere, after a while: the
		// client hears progress meanwhile.
		go func() {
			time.Sleep(700 * time.Millisecond)
			for countQuestions(a.ok(200, "GET", "/agent-instances/"+id, nil)["messages"]) == 0 {
				time.Sleep(20 * time.Millisecond)
			}
			a.reply(id, "Ship it")
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, errText := callTool(t, ctx, cs, "ask_question", map[string]any{"agent_instance_id": id, "question_text": "Ship?"})
		if errText != "" || res["answer"] != "Ship it" || res["question_id"] != lastQuestion(t, a, id) || res["defaulted"] != nil {
			t.Fatalf("ask_question: %v %q", res, errText)
		}
		if n := progress.Load(); n < 1 {
			t.Errorf("no progress notification during a 700 ms wait with a 200 ms interval")
		}
		if inst := a.ok(200, "GET", "/agent-instances/"+id, nil); inst["status"] != "ACTIVE" {
			t.Errorf("status after the answer: %v", inst["status"])
		}

		// Options: an answer outside them gets a reminder; a number picks one.
		answerWhenAsked(t, a, id, 1, "maybe", "2")
		res = mustTool(t, cs, "ask_question", map[string]any{"agent_instance_id": id, "question_text": "Which region?", "options": []string{"eu-west", "us-east"}})
		if res["answer"] != "us-east" {
			t.Fatalf("answer with options: %v", res)
		}
		contentsNow := contents(t, a.ok(200, "GET", "/agent-instances/"+id, nil)["messages"])
		if !slices.Contains(contentsNow, "Please answer with one of the options: eu-west, us-east.") {
			t.Errorf("no reminder after an answer outside the options: %v", contentsNow)
		}
		answerWhenAsked(t, a, id, 3, "somewhere else")
		if res := mustTool(t, cs, "ask_question", map[string]any{"agent_instance_id": id, "question_text": "Region?", "options": []string{"eu-west"}, "allow_other": true}); res["answer"] != "somewhere else" {
			t.Fatalf("allow_other: %v", res)
		}
		toolFails(t, cs, "ask_question", map[string]any{"agent_instance_id": id, "question_text": "x", "options": []string{"a", "A"}}, `Option "A" is given twice`)
		toolFails(t, cs, "ask_question", map[string]any{"agent_instance_id": id, "question_text": "x", "allow_other": true}, "allow_other needs options")
		toolFails(t, cs, "ask_question", map[string]any{"agent_instance_id": id, "question_text": "  "}, "question_text is required")
		toolFails(t, cs, "ask_question", map[string]any{"agent_instance_id": "nope", "question_text": "x"}, "Invalid agent_instance_id format: must be a valid UUID, got 'nope'")

		// Time runs out: the default, marked; or Omnara's error.
		res = mustTool(t, cs, "ask_question", map[string]any{"agent_instance_id": id, "question_text": "Anyone?", "timeout_seconds": 1, "default_answer": "proceed"})
		if res["answer"] != "proceed" || res["defaulted"] != true {
			t.Fatalf("timeout with default: %v", res)
		}
		toolFails(t, cs, "ask_question", map[string]any{"agent_instance_id": id, "question_text": "Anyone?", "timeout_seconds": 1}, "Question timed out waiting for user response")
	})
}

// A client that drops its ask_question frees the wait at once, and can
// pick the answer up later with wait_for_answer.
func TestMCPDroppedAskResumesWithWaitForAnswer(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		cs := mcpClient(t, a, "claude-code", nil)
		id := mustTool(t, cs, "log_step", map[string]any{"step_description": "start"})["agent_instance_id"].(string)
		baseline := srv.srv.broker.Subscribers()
		goroutines := runtime.NumGoroutine()

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = cs.CallTool(ctx, nil2params("ask_question", map[string]any{"agent_instance_id": id, "question_text": "Still there?"}))
		}()
		waitUntil(t, "the question to wait", func() bool { return srv.srv.domain.agents.Waiting() == 1 })
		cancel()
		<-done
		waitUntil(t, "the wait, its subscription and its goroutines to be freed", func() bool {
			return srv.srv.domain.agents.Waiting() == 0 && srv.srv.broker.Subscribers() == baseline &&
				runtime.NumGoroutine() <= goroutines
		})

		q := lastQuestion(t, a, id)
		a.reply(id, "yes, here")
		res := mustTool(t, mcpClient(t, a, "claude-code", nil), "wait_for_answer", map[string]any{"question_id": q})
		if res["answer"] != "yes, here" || res["question_id"] != q {
			t.Fatalf("wait_for_answer: %v", res)
		}
		// Asked again later, it still knows the answer.
		if res := mustTool(t, cs, "wait_for_answer", map[string]any{"question_id": q}); res["answer"] != "yes, here" {
			t.Fatalf("wait_for_answer again: %v", res)
		}
		toolFails(t, cs, "wait_for_answer", map[string]any{"question_id": newInstanceID()}, "Question not found")
	})
}

// A question survives a server restart: the agent picks the answer up on
// the new server with wait_for_answer.
func TestMCPWaitForAnswerAfterRestart(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		mustOmnara(t, env, "", "user", "add", "--email", "ann@example.com", "--password", "long enough")
		key := strings.TrimSpace(mustOmnara(t, env, "", "token", "create", "--email", "ann@example.com", "--name", "k"))

		first, stop := startStoppable(t, env)
		a := &agent{t: t, base: first.url() + "/api/v1", key: key}
		cs := mcpClient(t, a, "claude-code", nil)
		id := mustTool(t, cs, "log_step", map[string]any{"step_description": "start"})["agent_instance_id"].(string)
		asked := make(chan string, 1)
		go func() {
			_, errText := callTool(t, context.Background(), cs, "ask_question", map[string]any{"agent_instance_id": id, "question_text": "Before the restart?"})
			asked <- errText
		}()
		waitUntil(t, "the question to wait", func() bool { return first.domain.agents.Waiting() == 1 })
		q := lastQuestion(t, a, id)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if errText := <-asked; errText == "" {
			t.Fatal("ask_question returned an answer although nobody answered before the restart")
		}

		second := startServer(t, env)
		a2 := &agent{t: t, base: second.URL + "/api/v1", key: key}
		a2.reply(id, "after the restart")
		res := mustTool(t, mcpClient(t, a2, "claude-code", nil), "wait_for_answer", map[string]any{"question_id": q})
		if res["answer"] != "after the restart" || res["question_id"] != q {
			t.Fatalf("wait_for_answer after a restart: %v", res)
		}
	})
}
