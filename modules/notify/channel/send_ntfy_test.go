package channel

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNtfyQuestionWithOptions(t *testing.T) {
	r := newReceiver(t, http.StatusOK, `{"id":"abc"}`)
	s := New(r.Client(), SMTP{}, VAPID{})
	err := s.Send(context.Background(), Target{Kind: Ntfy, URL: r.URL + "/my-topic", Token: "tk_secret"}, question())
	if err != nil {
		t.Fatal(err)
	}
	req := r.only(t)
	if req.Method != http.MethodPost || req.Path != "/" {
		t.Errorf("request = %s %s, want POST / (JSON publishing goes to the server root)", req.Method, req.Path)
	}
	assertHeader(t, req.Header, "Authorization", "Bearer tk_secret")
	assertHeader(t, req.Header, "Content-Type", "application/json")
	assertJSON(t, req.Body, `{
		"topic": "my-topic",
		"title": "claude-code asks",
		"message": "Deploy <b>main</b> & staging?",
		"priority": 4,
		"click": "https://omnara.example/instances/7",
		"tags": ["question", "claude-code"],
		"actions": [
			{"action": "http", "label": "Yes", "url": "https://omnara.example/answer/one-use-token",
			 "method": "POST", "headers": {"Content-Type": "text/plain"}, "body": "Yes", "clear": true},
			{"action": "http", "label": "No", "url": "https://omnara.example/answer/one-use-token",
			 "method": "POST", "headers": {"Content-Type": "text/plain"}, "body": "No", "clear": true}
		]
	}`)
}

func TestNtfyQuestionWithoutOptionsOffersTheAnswerPage(t *testing.T) {
	r := newReceiver(t, http.StatusOK, "")
	m := question()
	m.Options = nil
	if err := New(r.Client(), SMTP{}, VAPID{}).Send(context.Background(), Target{Kind: Ntfy, URL: r.URL + "/t"}, m); err != nil {
		t.Fatal(err)
	}
	req := r.only(t)
	if req.Header.Get("Authorization") != "" {
		t.Errorf("Authorization sent without a token: %q", req.Header.Get("Authorization"))
	}
	assertJSON(t, req.Body, `{
		"topic": "t",
		"title": "claude-code asks",
		"message": "Deploy <b>main</b> & staging?",
		"priority": 4,
		"click": "https://omnara.example/instances/7",
		"tags": ["question", "claude-code"],
		"actions": [{"action": "view", "label": "Answer", "url": "https://omnara.example/answer/one-use-token"}]
	}`)
}

func TestNtfyManyOptionsKeepsThreeActions(t *testing.T) {
	m := question()
	m.Options = []string{"A", "B", "C", "D"}
	actions := ntfyActions(m)
	if len(actions) != 3 {
		t.Fatalf("got %d actions, want 3", len(actions))
	}
	got := []string{actions[0].Action + ":" + actions[0].Label, actions[1].Action + ":" + actions[1].Label, actions[2].Action + ":" + actions[2].Label}
	want := []string{"http:A", "http:B", "view:Answer"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("action %d = %s, want %s", i, got[i], want[i])
		}
	}

	m.Options = []string{"A", "B", "C"}
	if actions := ntfyActions(m); len(actions) != 3 || actions[2].Action != "http" || actions[2].Label != "C" {
		t.Errorf("three options should be three http actions, got %+v", actions)
	}
}

func TestNtfyStepHasNoActions(t *testing.T) {
	r := newReceiver(t, http.StatusOK, "")
	if err := New(r.Client(), SMTP{}, VAPID{}).Send(context.Background(), Target{Kind: Ntfy, URL: r.URL + "/base/topic_1"}, step()); err != nil {
		t.Fatal(err)
	}
	req := r.only(t)
	if req.Path != "/base/" {
		t.Errorf("path = %q, want /base/ (the server root under its base path)", req.Path)
	}
	assertJSON(t, req.Body, `{
		"topic": "topic_1",
		"title": "claude-code: step",
		"message": "Ran the tests.",
		"priority": 2,
		"click": "https://omnara.example/instances/7",
		"tags": ["arrow_forward", "claude-code"]
	}`)
}

func TestNtfySplit(t *testing.T) {
	for _, tc := range []struct{ in, root, topic string }{
		{"https://ntfy.sh/mytopic", "https://ntfy.sh/", "mytopic"},
		{"https://ntfy.sh/mytopic/", "https://ntfy.sh/", "mytopic"},
		{"https://example.com/ntfy/alerts", "https://example.com/ntfy/", "alerts"},
		{"http://127.0.0.1:2586/a?x=1#f", "http://127.0.0.1:2586/", "a"},
		{"https://user:pw@ntfy.example/a", "https://user:pw@ntfy.example/", "a"},
		{"https://ntfy.sh", "https://ntfy.sh/", ""},
	} {
		u, err := url.Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		root, topic := ntfySplit(u)
		if root != tc.root || topic != tc.topic {
			t.Errorf("ntfySplit(%s) = %s, %s; want %s, %s", tc.in, root, topic, tc.root, tc.topic)
		}
	}
}

func TestNtfyCutsLongMessages(t *testing.T) {
	r := newReceiver(t, http.StatusOK, "")
	m := step()
	m.Body = strings.Repeat("é", 5000) // 10000 bytes
	m.Priority = 9
	if err := New(r.Client(), SMTP{}, VAPID{}).Send(context.Background(), Target{Kind: Ntfy, URL: r.URL + "/t"}, m); err != nil {
		t.Fatal(err)
	}
	var p ntfyPublish
	decode(t, r.only(t).Body, &p)
	if len(p.Message) > ntfyMaxMessage || !strings.HasSuffix(p.Message, ellipsis) || !utf8.ValidString(p.Message) {
		t.Errorf("message is %d bytes, want at most %d ending in …", len(p.Message), ntfyMaxMessage)
	}
	if p.Priority != 5 {
		t.Errorf("priority = %d, want 5 (clamped)", p.Priority)
	}
}
