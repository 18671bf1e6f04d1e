package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestLiveInstancePage(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		id := newInstanceID()
		first := a.send(id, "first step", false, map[string]any{"agent_type": "bot"})
		b := signIn(t, srv, "ann@example.com", "long enough")
		b.page("/instances/"+id, 200)

		s := b.openStream("/events?instance="+id, "")
		if s.status != 200 {
			t.Fatalf("stream: %d", s.status)
		}
		s.next(t, "instance") // the state as of connecting
		a.send(id, "a *live* step", false, nil)
		ev := s.next(t, "message")
		var msg struct {
			Seq  int64
			HTML string
		}
		if err := json.Unmarshal([]byte(ev.data), &msg); err != nil || !strings.Contains(msg.HTML, "a <em>live</em> step") || ev.id != strconv.FormatInt(msg.Seq, 10) {
			t.Fatalf("message event %+v: %v", ev, err)
		}
		stepSeq := ev.id

		q := a.send(id, "Ship it?\n[OPTIONS]\n1. Ship\n2. Wait\n[/OPTIONS]", true, nil)
		s.next(t, "message")
		var up struct {
			Title, Head, Answer, Diff string
			AnswerKey                 string `json:"answer_key"`
		}
		ev = s.next(t, "instance")
		if err := json.Unmarshal([]byte(ev.data), &up); err != nil || up.AnswerKey != q["message_id"] ||
			!strings.Contains(up.Answer, `value="Ship" class="option"`) || !strings.Contains(up.Head, "badge-waiting") {
			t.Fatalf("instance event after a question: %+v %v", up, err)
		}

		b.postForm("/instances/"+id+"/reply", url.Values{"content": {"Ship"}})
		ev = s.next(t, "message")
		if !strings.Contains(ev.data, "msg-user") || !strings.Contains(ev.data, "Ship") {
			t.Errorf("the reply arrived as %s", ev.data)
		}
		ev = s.next(t, "instance")
		if json.Unmarshal([]byte(ev.data), &up); up.AnswerKey != "none" || !strings.Contains(up.Head, "badge-active") {
			t.Errorf("after the answer: %+v", up)
		}
		b.postForm("/instances/"+id+"/rename", url.Values{"name": {"Shipper"}})
		ev = s.next(t, "instance")
		if json.Unmarshal([]byte(ev.data), &up); up.Title != "Shipper" {
			t.Errorf("after renaming: title %q", up.Title)
		}
		a.send(id, "diffed", false, map[string]any{"git_diff": "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-old\n+new\n"})
		ev = s.next(t, "instance")
		if json.Unmarshal([]byte(ev.data), &up); !strings.Contains(up.Diff, `<span class="l-add">&#43;new</span>`) {
			t.Errorf("the diff did not arrive: %+v", up)
		}

		// A page that opens its stream late names the newest message it
		// rendered and gets what came after.
		late := b.openStream("/events?instance="+id+"&after="+stepSeq, "")
		if ev := late.next(t, "message"); !strings.Contains(ev.data, "Ship it?") {
			t.Errorf("a late stream began with %s", ev.data)
		}

		// A reconnect names the last message it had and gets the rest, in order.
		again := b.openStream("/events?instance="+id, stepSeq)
		var replayed []string
		for range 3 {
			ev := again.next(t, "message")
			var m struct{ HTML string }
			_ = json.Unmarshal([]byte(ev.data), &m)
			replayed = append(replayed, m.HTML)
		}
		if !strings.Contains(replayed[0], "Ship it?") || !strings.Contains(replayed[1], "msg-user") || !strings.Contains(replayed[2], "diffed") {
			t.Errorf("replay after %s: %q", stepSeq, replayed)
		}
		again.next(t, "instance")
		_ = first

		if res := b.do(http.MethodGet, "/events?instance="+id, nil, http.Header{"Last-Event-ID": {"abc"}}); res.status != 400 || !strings.Contains(res.body, "Last-Event-ID must be a message number.") {
			t.Errorf("bad Last-Event-ID: %d %s", res.status, res.body)
		}

		// Deleting the session tells its open pages and ends their streams.
		b.postForm("/instances/"+id+"/delete", url.Values{})
		s.next(t, "deleted")
		s.ends(t)
	})
}

func TestLiveOverviewIsScopedAndEndsWithTheSession(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		bob := newUserWithKey(t, env, srv, "bob@example.com")
		apiClient.CloseIdleConnections()
		baseGoroutines := runtime.NumGoroutine()
		baseSubs := srv.srv.broker.Subscribers()

		b := signIn(t, srv, "ann@example.com", "long enough")
		s := b.openStream("/events", "")
		s.next(t, "changed") // a new stream first catches up
		bob.send(newInstanceID(), "bob's work", false, map[string]any{"agent_type": "bot"})
		select {
		case ev := <-s.events:
			t.Fatalf("Ann's overview heard of Bob's session: %+v", ev)
		case <-time.After(300 * time.Millisecond):
		}
		a.send(newInstanceID(), "ann's work", false, map[string]any{"agent_type": "bot"})
		s.next(t, "changed")
		b.page("/?fragment=list", 200, "ann&#39;s work")

		// Signing out ends the stream on the spot.
		other := b.openStream("/events", "")
		phone := signIn(t, srv, "ann@example.com", "long enough")
		ps := phone.openStream("/events", "")
		b.postForm("/logout", url.Values{})
		s.next(t, "signedout")
		s.ends(t)
		other.ends(t)
		select {
		case <-ps.done:
			t.Fatal("signing one browser out ended another browser's stream")
		case <-time.After(200 * time.Millisecond):
		}
		res := phone.postForm("/settings/sessions/revoke-all", url.Values{})
		if res.status != http.StatusSeeOther {
			t.Fatalf("sign out everywhere: %d", res.status)
		}
		ps.next(t, "signedout")
		ps.ends(t)

		// Idle keep-alive connections hold goroutines on both sides; they
		// are not the streams'.
		for _, br := range []*browser{b, phone} {
			br.client.CloseIdleConnections()
		}
		apiClient.CloseIdleConnections()
		http.DefaultClient.CloseIdleConnections()
		waitUntil(t, "subscriptions and goroutines return to their baseline", func() bool {
			return srv.srv.broker.Subscribers() == baseSubs && runtime.NumGoroutine() <= baseGoroutines
		})
	})
}

// TestDashboardAnswersAnMCPQuestionWithOptions: an agent asks over MCP with
// structured options; the person taps one on the page and the blocked tool
// call returns it.
func TestDashboardAnswersAnMCPQuestionWithOptions(t *testing.T) {
	env := sqliteEnv(t)
	srv := startServer(t, env)
	a := newUserWithKey(t, env, srv, "ann@example.com")
	cs := mcpClient(t, a, "claude-code/1.0", nil)
	id := newInstanceID()
	mustTool(t, cs, "log_step", map[string]any{"agent_instance_id": id, "step_description": "Planning the release"})
	answered := make(chan string, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "ask_question", Arguments: map[string]any{
			"agent_instance_id": id, "question_text": "Which branch?", "options": []string{"main", "release"},
		}})
		out, _ := json.Marshal(res)
		answered <- fmt.Sprint(string(out), err)
	}()
	b := signIn(t, srv, "ann@example.com", "long enough")
	var page string
	waitUntil(t, "the question shows on the page", func() bool {
		page = b.page("/instances/"+id, 200)
		return strings.Contains(page, `value="release" class="option"`)
	})
	if strings.Contains(page, "Or write another answer") {
		t.Error("options without allow_other still offer a free answer")
	}
	b.postForm("/instances/"+id+"/reply", url.Values{"content": {"release"}})
	select {
	case res := <-answered:
		if !strings.Contains(res, `"answer":"release"`) {
			t.Errorf("the agent got %s", res)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the MCP call did not return after the answer")
	}
}
