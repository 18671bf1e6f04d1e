package channel

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// ntfy turns longer messages into attachments; stay below its 4096 bytes.
const (
	ntfyMaxMessage = 4000
	ntfyMaxTitle   = 250
	ntfyMaxActions = 3
)

// ntfyPublish is ntfy's JSON publishing form (https://docs.ntfy.sh/publish/).
type ntfyPublish struct {
	Topic    string       `json:"topic"`
	Title    string       `json:"title,omitempty"`
	Message  string       `json:"message"`
	Priority int          `json:"priority"`
	Click    string       `json:"click,omitempty"`
	Tags     []string     `json:"tags,omitempty"`
	Actions  []ntfyAction `json:"actions,omitempty"`
}

type ntfyAction struct {
	Action  string            `json:"action"` // "view" or "http"
	Label   string            `json:"label"`
	URL     string            `json:"url"`
	Method  string            `json:"method,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
	Clear   bool              `json:"clear,omitempty"`
}

// ntfyTags are emoji short codes ntfy shows before the title.
var ntfyTags = map[string]string{
	"question": "question",
	"step":     "arrow_forward",
	"end":      "white_check_mark",
	"test":     "bell",
}

func (s *Sender) sendNtfy(ctx context.Context, t Target, m Message) error {
	u, _ := httpURL(t.URL) // Validate passed
	root, topic := ntfySplit(u)
	p := ntfyPublish{
		Topic:    topic,
		Title:    cutBytes(m.Title, ntfyMaxTitle),
		Message:  cutBytes(m.Body, ntfyMaxMessage),
		Priority: m.priority(),
		Click:    m.InstanceURL,
		Actions:  ntfyActions(m),
	}
	if p.Message == "" {
		p.Message = p.Title // ntfy would otherwise say "triggered"
	}
	if tag := ntfyTags[m.Kind]; tag != "" {
		p.Tags = append(p.Tags, tag)
	}
	if m.AgentName != "" {
		p.Tags = append(p.Tags, m.AgentName)
	}
	header := http.Header{}
	if t.Token != "" {
		header.Set("Authorization", "Bearer "+t.Token)
	}
	return s.post(ctx, "ntfy", root, header, p, targetSecrets(t))
}

// ntfySplit splits a topic URL into the server root to publish to (with a
// trailing slash, so a reverse proxy's /base/ prefix still matches) and the
// topic, its last path segment. User info, if any, stays on the root.
func ntfySplit(u *url.URL) (root, topic string) {
	p := strings.TrimSuffix(u.Path, "/")
	i := strings.LastIndex(p, "/")
	topic = p[i+1:]
	r := *u
	r.Path, r.RawPath, r.RawQuery, r.Fragment = p[:i+1], "", "", ""
	if r.Path == "" {
		r.Path = "/"
	}
	return r.String(), topic
}

// ntfyActions offers one-tap answers: each option becomes an http action
// that posts it to the answer page. ntfy shows at most three buttons, so
// with more options two are buttons and "Answer" opens the page.
func ntfyActions(m Message) []ntfyAction {
	if !m.isQuestion() {
		return nil
	}
	options := m.Options
	if len(options) > ntfyMaxActions {
		options = options[:ntfyMaxActions-1]
	}
	actions := make([]ntfyAction, 0, ntfyMaxActions)
	for _, o := range options {
		actions = append(actions, ntfyAction{
			Action:  "http",
			Label:   o,
			URL:     m.AnswerURL,
			Method:  http.MethodPost,
			Headers: map[string]string{"Content-Type": "text/plain"},
			Body:    o,
			Clear:   true,
		})
	}
	if len(m.Options) == 0 || len(m.Options) > ntfyMaxActions {
		actions = append(actions, ntfyAction{Action: "view", Label: "Answer", URL: m.AnswerURL})
	}
	return actions
}
