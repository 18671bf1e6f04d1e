package channel

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestDiscordQuestion(t *testing.T) {
	r := newReceiver(t, http.StatusNoContent, "")
	if err := New(r.Client(), SMTP{}, VAPID{}).Send(context.Background(), Target{Kind: Discord, URL: r.URL + "/api/webhooks/1/tok"}, question()); err != nil {
		t.Fatal(err)
	}
	req := r.only(t)
	if req.Method != http.MethodPost || req.Path != "/api/webhooks/1/tok" {
		t.Errorf("request = %s %s", req.Method, req.Path)
	}
	assertHeader(t, req.Header, "Content-Type", "application/json")
	assertJSON(t, req.Body, `{
		"content": "claude-code asks",
		"embeds": [{
			"title": "claude-code asks",
			"description": "Deploy <b>main</b> & staging?\n\nOptions:\n• Yes\n• No\n\n[Answer](https://omnara.example/answer/one-use-token)",
			"url": "https://omnara.example/instances/7",
			"timestamp": "2026-03-14T15:09:26Z",
			"color": 16096779
		}],
		"allowed_mentions": {"parse": []}
	}`)
}

func TestDiscordStep(t *testing.T) {
	p, err := marshal(discordMessage(step()))
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, p, `{
		"content": "claude-code: step",
		"embeds": [{
			"title": "claude-code: step",
			"description": "Ran the tests.",
			"url": "https://omnara.example/instances/7",
			"timestamp": "2026-03-14T15:09:26Z",
			"color": 3900150
		}],
		"allowed_mentions": {"parse": []}
	}`)
}

func TestDiscordCutsTheDescriptionButKeepsTheAnswerLink(t *testing.T) {
	m := question()
	m.Body = strings.Repeat("ü", 5000)
	d := discordMessage(m).Embeds[0].Description
	if n := runeLen(d); n > discordMaxDescription {
		t.Errorf("description has %d characters, over Discord's %d", n, discordMaxDescription)
	}
	if !strings.HasSuffix(d, "[Answer](https://omnara.example/answer/one-use-token)") {
		t.Error("the answer link was cut off")
	}
	if !strings.Contains(d, "ü…\n\nOptions:") {
		t.Error("the body was not cut with an ellipsis")
	}
}
