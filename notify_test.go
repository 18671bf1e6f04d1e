package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/omnara-go/omnara/platform/dbtest"
)

// TestNtfyQuestionAnsweredFromTheNotification: a question reaches ntfy
// with one button per option; pressing one answers the waiting agent.
func TestNtfyQuestionAnsweredFromTheNotification(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		ntfy := newReceiver(t)
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		out := mustOmnara(t, env, "", "notify", "add", "--email", "ann@example.com", "--kind", "ntfy", "--url", ntfy.URL+"/ann-agents", "--token", "tk_secret", "--events", "questions")
		if !strings.Contains(out, "added ntfy channel") {
			t.Fatalf("notify add: %s", out)
		}
		id := newInstanceID()
		a.send(id, "working", false, map[string]any{"agent_type": "Claude-Code"})
		q := a.send(id, "Deploy to production?\n[OPTIONS]\n1. Yes\n2. No\n[/OPTIONS]", true, nil)

		rec := ntfy.next(t)
		if rec.header.Get("Authorization") != "Bearer tk_secret" {
			t.Errorf("ntfy auth header %q", rec.header.Get("Authorization"))
		}
		m := rec.json
		if m["topic"] != "ann-agents" || m["title"] != "claude-code asks" || m["message"] != "Deploy to production?" ||
			m["click"] != srv.URL+"/instances/"+id || m["priority"] != float64(4) {
			t.Fatalf("ntfy message: %s", rec.body)
		}
		actions, _ := m["actions"].([]any)
		if len(actions) != 2 {
			t.Fatalf("want one action per option, got %s", rec.body)
		}
		yes := actions[0].(map[string]any)
		if yes["action"] != "http" || yes["label"] != "Yes" || yes["body"] != "Yes" || yes["method"] != "POST" {
			t.Fatalf("first action: %v", yes)
		}
		link := yes["url"].(string)

		// The agent waits; pressing "Yes" on the phone answers it.
		waited := make(chan response, 1)
		go func() {
			waited <- a.do("GET", "/messages/pending?agent_instance_id="+id+"&last_read_message_id="+q["message_id"].(string)+"&wait=20", nil)
		}()
		time.Sleep(100 * time.Millisecond)
		press := func() response {
			req, _ := http.NewRequest(http.MethodPost, link, strings.NewReader("Yes"))
			req.Header.Set("Content-Type", "text/plain")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			return response{status: res.StatusCode, body: string(body)}
		}
		if res := press(); res.status != 200 || !strings.Contains(res.body, "Answer sent.") {
			t.Fatalf("pressing Yes: %d %s", res.status, res.body)
		}
		res := <-waited
		if got := contents(t, res.json(t)["messages"]); len(got) != 1 || got[0] != "Yes" {
			t.Fatalf("the agent received %v", got)
		}
		if res := press(); res.status != 410 || !strings.Contains(res.body, "This answer link has already been used.") {
			t.Errorf("pressing twice: %d %s", res.status, res.body)
		}
	})
}

// TestAnswerLinks: a link works once, for its question only, until it
// expires, and only as signed.
func TestAnswerLinks(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		hook := newReceiver(t)
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		mustOmnara(t, env, "", "notify", "add", "--email", "ann@example.com", "--kind", "webhook", "--url", hook.URL, "--events", "questions")
		id := newInstanceID()
		q1 := a.send(id, "First question?", true, map[string]any{"agent_type": "bot"})
		link1 := hook.next(t).json["answer_url"].(string)
		token1 := strings.TrimPrefix(link1, srv.URL+"/a/")

		b := newBrowser(t, srv.URL)
		b.page("/a/"+token1, 200, "bot asks", "First question?", "This link answers this one question, once.")

		// Tampered: one character of the signature changed.
		bad := token1[:len(token1)-2] + map[bool]string{true: "A", false: "B"}[token1[len(token1)-2] != 'A'] + token1[len(token1)-1:]
		for _, tok := range []string{bad, "not-a-token", token1 + "x"} {
			if res := b.get("/a/" + tok); res.status != 404 || !strings.Contains(res.body, "This answer link is not valid.") {
				t.Errorf("tampered link %q: %d", tok, res.status)
			}
		}

		// A newer question replaces the first: its link answers nothing.
		q2 := a.send(id, "Second question?", true, nil)
		link2 := hook.next(t).json["answer_url"].(string)
		res := b.postForm("/a/"+token1, url.Values{"content": {"late answer"}})
		if res.status != 409 || !strings.Contains(res.body, "This question is no longer waiting for an answer.") {
			t.Errorf("old link on a replaced question: %d %s", res.status, res.body)
		}
		_ = q1

		// Expired: signed with the server's key, but past its expiry.
		store := openStore(t, env)
		var key []string
		store.Gorm.Table("server_settings").Where("name = ?", "notify.link_key").Pluck("value", &key)
		var claims jwt.MapClaims
		if _, _, err := jwt.NewParser().ParseUnverified(strings.TrimPrefix(link2, srv.URL+"/a/"), &claims); err != nil {
			t.Fatal(err)
		}
		claims["exp"] = time.Now().Add(-time.Minute).Unix()
		expired, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(key[0]))
		if res := b.postForm("/a/"+expired, url.Values{"content": {"x"}}); res.status != 410 || !strings.Contains(res.body, "This answer link has expired.") {
			t.Errorf("expired link: %d %s", res.status, res.body)
		}
		// Signed for another user's session: answers nothing of theirs.
		claims["exp"] = time.Now().Add(time.Hour).Unix()
		claims["sub"] = newInstanceID()
		forged, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(key[0]))
		if res := b.postForm("/a/"+forged, url.Values{"content": {"x"}}); res.status != 409 {
			t.Errorf("link naming another user: %d %s", res.status, res.body)
		}

		res = b.postForm("/a/"+strings.TrimPrefix(link2, srv.URL+"/a/"), url.Values{"content": {"  "}})
		if res.status != 400 || !strings.Contains(res.body, "Write an answer before sending.") {
			t.Errorf("empty answer: %d %s", res.status, res.body)
		}
		res = b.do(http.MethodPost, strings.TrimPrefix(link2, srv.URL), strings.NewReader("content=From+the+email"), http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"text/html"},
		})
		if res.status != 200 || !strings.Contains(res.body, "Answer sent") || !strings.Contains(res.body, "From the email") {
			t.Fatalf("answering: %d %s", res.status, res.body)
		}
		if res := b.get(strings.TrimPrefix(link2, srv.URL)); res.status != 410 || !strings.Contains(res.body, "This answer link has already been used.") {
			t.Errorf("a used link still shows its question: %d", res.status)
		}
		pending := a.ok(200, "GET", "/messages/pending?agent_instance_id="+id+"&last_read_message_id="+q2["message_id"].(string), nil)
		if got := contents(t, pending["messages"]); len(got) != 1 || got[0] != "From the email" {
			t.Errorf("agent received %v", got)
		}
	})
}

// TestNotificationsSurviveAFailingReceiver: a webhook that fails for a
// while gets every notification exactly once when it recovers, signed.
func TestNotificationsSurviveAFailingReceiver(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		env["OMNARA_NOTIFY_RETRY_BASE"] = "20ms"
		hook := newReceiver(t)
		hook.failNext = 7
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		mustOmnara(t, env, "", "notify", "add", "--email", "ann@example.com", "--kind", "webhook", "--url", hook.URL, "--token", "hook-secret", "--events", "questions,ends")
		const n = 5
		for i := range n {
			id := newInstanceID()
			a.send(id, fmt.Sprintf("question %d?", i), true, map[string]any{"agent_type": "bot"})
			a.ok(200, "POST", "/sessions/end", map[string]any{"agent_instance_id": id})
			a.ok(200, "POST", "/sessions/end", map[string]any{"agent_instance_id": id}) // ending twice notifies once
		}
		seen := map[string]int{}
		kinds := map[string]int{}
		for range 2 * n {
			rec := hook.next(t)
			if !signatureOK(rec, "hook-secret") {
				t.Errorf("bad signature on %s", rec.body)
			}
			seen[rec.header.Get("X-Omnara-Delivery")]++
			kinds[rec.json["kind"].(string)]++
		}
		hook.none(t, 500*time.Millisecond)
		if len(seen) != 2*n || kinds["question"] != n || kinds["end"] != n {
			t.Errorf("deliveries %v kinds %v", seen, kinds)
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("notification %s arrived %d times", id, k)
			}
		}
		if v := scrape(t, srv.URL, "omnara_notification_retries_total"); v < 7 {
			t.Errorf("retries counted: %v", v)
		}
	})
}

// TestTwoInstancesNeverDoubleSend runs two servers on one PostgreSQL; each
// notification reaches the receiver once.
func TestTwoInstancesNeverDoubleSend(t *testing.T) {
	// PostgreSQL only (SQLite runs one server process with one worker);
	// skipped without it locally, failed without it on CI.
	env := map[string]string{"DATABASE_URL": dbtest.PostgresSchema(t), "OMNARA_DATA_DIR": t.TempDir(), "OMNARA_LISTEN": "127.0.0.1:0"}
	hook := newReceiver(t)
	one, two := startServer(t, env), startServer(t, env)
	a := newUserWithKey(t, env, one, "ann@example.com")
	b := &agent{t: t, base: two.URL + "/api/v1", key: a.key}
	mustOmnara(t, env, "", "notify", "add", "--email", "ann@example.com", "--kind", "webhook", "--url", hook.URL, "--events", "questions")
	const n = 60
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			via := a
			if i%2 == 1 {
				via = b
			}
			via.do("POST", "/messages/agent", map[string]any{"agent_instance_id": newInstanceID(), "agent_type": "bot", "content": "q?", "requires_user_input": true})
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for range n {
		seen[hook.next(t).header.Get("X-Omnara-Delivery")]++
	}
	hook.none(t, time.Second)
	if len(seen) != n {
		t.Errorf("%d distinct notifications, want %d", len(seen), n)
	}
}

// TestStepsCoalesce: fifty steps make one notification, not fifty.
func TestStepsCoalesce(t *testing.T) {
	env := sqliteEnv(t, "OMNARA_NOTIFY_COALESCE", "500ms")
	hook := newReceiver(t)
	srv := startServer(t, env)
	a := newUserWithKey(t, env, srv, "ann@example.com")
	mustOmnara(t, env, "", "notify", "add", "--email", "ann@example.com", "--kind", "webhook", "--url", hook.URL, "--events", "steps")
	id := newInstanceID()
	for i := 1; i <= 50; i++ {
		a.send(id, fmt.Sprintf("step %d", i), false, map[string]any{"agent_type": "bot"})
	}
	// Steps arriving within the window fold into one notification; a slow
	// machine may open a second window, never fifty.
	total, sent := 0, 0
	var last received
	for total < 50 {
		last = hook.next(t)
		sent++
		n := 1
		fmt.Sscanf(last.json["title"].(string), "bot: %d new steps", &n)
		total += n
	}
	hook.none(t, time.Second)
	if total != 50 || sent > 3 || last.json["body"] != "step 50" {
		t.Errorf("%d notifications covering %d steps; the last: %s", sent, total, last.body)
	}
	// A channel that chose only steps hears of no question.
	a.send(id, "question?", true, nil)
	hook.none(t, 300*time.Millisecond)
}

// TestQuietHoursHoldNotifications: during quiet hours nothing goes out;
// the delivery waits for their end.
func TestQuietHoursHoldNotifications(t *testing.T) {
	env := sqliteEnv(t)
	hook := newReceiver(t)
	srv := startServer(t, env)
	a := newUserWithKey(t, env, srv, "ann@example.com")
	mustOmnara(t, env, "", "notify", "add", "--email", "ann@example.com", "--kind", "webhook", "--url", hook.URL)
	b := signIn(t, srv, "ann@example.com", "long enough")
	now := time.Now().UTC()
	start, end := now.Add(-time.Hour).Format("15:04"), now.Add(2*time.Hour).Format("15:04")
	if res := b.postForm("/settings/notifications/quiet", url.Values{"quiet_start": {start}, "quiet_end": {end}}); res.status != http.StatusSeeOther {
		t.Fatalf("quiet hours: %d %s", res.status, res.body)
	}
	b.page("/settings", 200, `value="`+start+`"`, `value="`+end+`"`)
	a.send(newInstanceID(), "anyone there?", true, map[string]any{"agent_type": "bot"})
	hook.none(t, 700*time.Millisecond)
	var due []time.Time
	openStore(t, env).Gorm.Table("notify_deliveries").Where("status = ?", "pending").Pluck("next_attempt_at", &due)
	if len(due) != 1 || due[0].Before(now.Add(110*time.Minute)) {
		t.Errorf("the held delivery is due at %v, want the end of the quiet hours", due)
	}
	res := b.postForm("/settings/notifications/quiet", url.Values{"quiet_start": {"25:00"}, "quiet_end": {end}})
	if res.status != 400 || !strings.Contains(res.body, "Quiet hours must be times such as 22:00 and 07:30.") {
		t.Errorf("bad quiet hours: %d %s", res.status, res.body)
	}
}

// TestNotificationSettings: channels added, tested and removed from the
// settings page and the command line, each person's own.
func TestNotificationSettings(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		hook := newReceiver(t)
		srv := startServer(t, env)
		newUserWithKey(t, env, srv, "ann@example.com")
		newUserWithKey(t, env, srv, "bob@example.com")
		b := signIn(t, srv, "ann@example.com", "long enough")
		b.page("/settings", 200, "No notification channel yet.", `data-push-key="`)

		res := b.postForm("/settings/notifications", url.Values{"kind": {"slack"}, "url": {hook.URL + "/services/T0/B0/xyz"}, "events": {"questions", "steps"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("add channel: %d %s", res.status, res.body)
		}
		page := b.page("/settings", 200, "slack", "questions, steps")
		if strings.Contains(page, "/services/T0/B0/xyz") {
			t.Error("the settings page shows a webhook URL, which works as a secret")
		}
		id := regexpFind(t, page, `action="/settings/notifications/([0-9a-f-]+)/test"`)
		res = b.postForm("/settings/notifications/"+id+"/test", url.Values{})
		if res.status != 200 || !strings.Contains(res.body, "Test sent to") {
			t.Fatalf("send test: %d %s", res.status, res.body)
		}
		if rec := hook.next(t); !strings.Contains(string(rec.body), "Test notification from Omnara") {
			t.Errorf("test payload: %s", rec.body)
		}
		for _, tc := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"kind": {"ntfy"}, "url": {"ftp://x"}, "events": {"questions"}}, "The ntfy URL must be an http or https URL"},
			{url.Values{"kind": {"ntfy"}, "url": {"https://ntfy.sh/t"}}, "Choose at least one thing to be told about."},
			{url.Values{"kind": {"email"}, "url": {"ann@example.com"}, "events": {"questions"}}, "Email is not set up on this server"},
			{url.Values{"kind": {"ntfy"}, "url": {"https://ntfy.sh/t"}, "events": {"everything"}}, "Choose among questions, steps and ends."},
		} {
			res := b.postForm("/settings/notifications", tc.form)
			if res.status != 400 || !strings.Contains(res.body, tc.want) {
				t.Errorf("add %v: %d, want %q in\n%s", tc.form, res.status, tc.want, res.body)
			}
		}
		res = b.do(http.MethodPost, "/settings/notifications/webpush", strings.NewReader(`{"endpoint":"ftp://push"}`), http.Header{
			"Content-Type": {"application/json"}, "Accept": {"application/json"}, "X-CSRF-Token": {b.csrf()},
		})
		if res.status != 400 || res.detail(t) == "" {
			t.Errorf("bad push subscription: %d %s", res.status, res.body)
		}

		// Bob cannot test or remove Ann's channel.
		bob := signIn(t, srv, "bob@example.com", "long enough")
		for _, path := range []string{"/settings/notifications/" + id + "/test", "/settings/notifications/" + id + "/remove"} {
			if res := bob.postForm(path, url.Values{}); res.status != 404 || !strings.Contains(res.body, "This notification channel does not exist.") {
				t.Errorf("Bob on %s: %d %s", path, res.status, res.body)
			}
		}
		hook.none(t, 200*time.Millisecond)

		out := mustOmnara(t, env, "", "notify", "list", "--email", "ann@example.com")
		if !strings.Contains(out, id) || !strings.Contains(out, "slack") {
			t.Errorf("notify list: %s", out)
		}
		if out := mustOmnara(t, env, "", "notify", "test", "--email", "ann@example.com"); !strings.Contains(out, "slack "+id+" sent") {
			t.Errorf("notify test: %s", out)
		}
		hook.next(t)
		if res := b.postForm("/settings/notifications/"+id+"/remove", url.Values{}); res.status != http.StatusSeeOther {
			t.Fatalf("remove: %d", res.status)
		}
		b.page("/settings", 200, "No notification channel yet.")
		if r := omnara(t, env, "", "notify", "remove", id); r.code != 1 || !strings.Contains(r.stderr, "no notification channel has this id") {
			t.Errorf("removing twice: %d %s", r.code, r.stderr)
		}
		if r := omnara(t, env, "", "notify", "add", "--email", "ann@example.com", "--kind", "ntfy", "--url", "https://ntfy.sh/x", "--events", "lunch"); r.code != 2 {
			t.Errorf("bad --events: %d %s", r.code, r.stderr)
		}
	})
}

func regexpFind(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in\n%s", pattern, s)
	}
	return m[1]
}

// TestPendingNotificationsSurviveARestart: what could not be delivered
// before the server stopped goes out after it starts again.
func TestPendingNotificationsSurviveARestart(t *testing.T) {
	env := sqliteEnv(t, "OMNARA_NOTIFY_RETRY_BASE", "50ms")
	hook := newReceiver(t)
	hook.failNext = 1 << 30
	mustOmnara(t, env, "", "user", "add", "--email", "ann@example.com", "--password", "long enough")
	key := strings.TrimSpace(mustOmnara(t, env, "", "token", "create", "--email", "ann@example.com", "--name", "k"))
	mustOmnara(t, env, "", "notify", "add", "--email", "ann@example.com", "--kind", "webhook", "--url", hook.URL)

	first, stop := startStoppable(t, env)
	a := &agent{t: t, base: first.url() + "/api/v1", key: key}
	a.send(newInstanceID(), "still there?", true, map[string]any{"agent_type": "bot"})
	waitUntil(t, "a failed attempt", func() bool { _, retried, _ := first.domain.notify.Stats(); return retried >= 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	hook.mu.Lock()
	hook.failNext = 0
	hook.mu.Unlock()
	startServer(t, env)
	if rec := hook.next(t); rec.json["body"] != "still there?" {
		t.Errorf("after the restart: %s", rec.body)
	}
}

// TestMCPQuestionsNotify: a question asked over MCP notifies like one asked
// over REST, and its answer link answers the blocked tool call.
func TestMCPQuestionsNotify(t *testing.T) {
	env := sqliteEnv(t)
	hook := newReceiver(t)
	srv := startServer(t, env)
	a := newUserWithKey(t, env, srv, "ann@example.com")
	mustOmnara(t, env, "", "notify", "add", "--email", "ann@example.com", "--kind", "webhook", "--url", hook.URL, "--events", "questions")
	cs := mcpClient(t, a, "cursor/1.0", nil)
	answered := make(chan map[string]any, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, _ := callToolQuiet(ctx, cs, "ask_question", map[string]any{"agent_instance_id": newInstanceID(), "question_text": "Merge it?", "options": []string{"merge", "wait"}})
		answered <- out
	}()
	rec := hook.next(t)
	if rec.json["title"] != "cursor asks" || rec.json["body"] != "Merge it?" || fmt.Sprint(rec.json["options"]) != "[merge wait]" {
		t.Fatalf("notification of an MCP question: %s", rec.body)
	}
	// An answer outside the options is refused and leaves the link usable.
	res, err := http.Post(rec.json["answer_url"].(string), "text/plain", strings.NewReader("maybe"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || !strings.Contains(string(body), "Choose one of the options: merge, wait.") {
		t.Errorf("an answer outside the options: %d %s", res.StatusCode, body)
	}
	if res, err = http.Post(rec.json["answer_url"].(string), "text/plain", strings.NewReader("merge")); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	select {
	case out := <-answered:
		if out["answer"] != "merge" {
			t.Errorf("ask_question returned %v", out)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the answer link did not answer the MCP call")
	}
}
