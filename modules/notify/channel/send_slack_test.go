package channel

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestSlackQuestion(t *testing.T) {
	r := newReceiver(t, http.StatusOK, "ok")
	if err := New(r.Client(), SMTP{}, VAPID{}).Send(context.Background(), Target{Kind: Slack, URL: r.URL + "/services/T0/B0/XYZ"}, question()); err != nil {
		t.Fatal(err)
	}
	req := r.only(t)
	if req.Method != http.MethodPost || req.Path != "/services/T0/B0/XYZ" {
		t.Errorf("request = %s %s", req.Method, req.Path)
	}
	assertHeader(t, req.Header, "Content-Type", "application/json")
	assertJSON(t, req.Body, `{
		"text": "claude-code asks: Deploy &lt;b&gt;main&lt;/b&gt; &amp; staging?",
		"blocks": [
			{"type": "section", "text": {"type": "mrkdwn",
				"text": "*claude-code asks*\nDeploy &lt;b&gt;main&lt;/b&gt; &amp; staging?\n\nOptions:\n• Yes\n• No"}},
			{"type": "context", "elements": [{"type": "mrkdwn", "text": "claude-code"}]},
			{"type": "actions", "elements": [
				{"type": "button", "text": {"type": "plain_text", "text": "Open"}, "url": "https://omnara.example/instances/7"},
				{"type": "button", "text": {"type": "plain_text", "text": "Answer"}, "url": "https://omnara.example/answer/one-use-token", "style": "primary"}
			]}
		]
	}`)
}

func TestSlackStep(t *testing.T) {
	m := step()
	m.AgentName = ""
	m.Title = "*bold* <!channel>"
	p, err := marshal(slackMessage(m))
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, p, `{
		"text": "*bold* &lt;!channel&gt;: Ran the tests.",
		"blocks": [
			{"type": "section", "text": {"type": "mrkdwn", "text": "*bold &lt;!channel&gt;*\nRan the tests."}},
			{"type": "actions", "elements": [
				{"type": "button", "text": {"type": "plain_text", "text": "Open"}, "url": "https://omnara.example/instances/7"}
			]}
		]
	}`)
}

func TestSlackLimits(t *testing.T) {
	m := question()
	m.Body = strings.Repeat("<", 5000) // each becomes &lt;
	p := slackMessage(m)
	text := p.Blocks[0].Text.Text
	if n := runeLen(text); n > slackMaxSection {
		t.Errorf("section has %d characters, over Slack's %d", n, slackMaxSection)
	}
	if !strings.HasSuffix(text, "• No") {
		t.Errorf("options were cut off the section: ...%s", text[len(text)-40:])
	}
	if strings.Contains(text, "&l…") || strings.Contains(text, "&lt&") {
		t.Error("an escape sequence was split")
	}
	if n := runeLen(p.Text); n > slackMaxFallback {
		t.Errorf("fallback text has %d characters, want at most %d", n, slackMaxFallback)
	}
}

func TestSlackEscapeCut(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"a<b", 10, "a&lt;b"},
		{"a<b", 6, "a&lt;b"},
		{"a<b", 5, "a…"},
		{"&&&", 11, "&amp;&amp;…"},
		{"héllo", 3, "hé…"},
	} {
		if got := slackEscapeCut(tc.in, tc.n); got != tc.want {
			t.Errorf("slackEscapeCut(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
