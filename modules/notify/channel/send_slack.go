package channel

import (
	"context"
	"strings"
)

// Slack's limits, in characters.
const (
	slackMaxSection  = 3000
	slackMaxFallback = 300
	slackMaxOption   = 150
)

type slackPayload struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type     string         `json:"type"`
	Text     *slackText     `json:"text,omitempty"`
	Elements []slackElement `json:"elements,omitempty"`
}

// slackElement is a context element (a text) or an actions element (a button).
type slackElement struct {
	Type  string `json:"type"`
	Text  any    `json:"text"`
	URL   string `json:"url,omitempty"`
	Style string `json:"style,omitempty"`
}

type slackText struct {
	Type string `json:"type"` // "mrkdwn" or "plain_text"
	Text string `json:"text"`
}

func (s *Sender) sendSlack(ctx context.Context, t Target, m Message) error {
	return s.post(ctx, "Slack", t.URL, nil, slackMessage(m), targetSecrets(t))
}

func slackMessage(m Message) slackPayload {
	title := strings.ReplaceAll(m.Title, "*", "") // a * inside would end the bold early
	head := "*" + slackEscape(title) + "*"
	var tail string
	if m.isQuestion() && len(m.Options) > 0 {
		var b strings.Builder
		b.WriteString("\n\nOptions:")
		for _, o := range m.Options {
			b.WriteString("\n• " + slackEscapeCut(o, slackMaxOption))
		}
		tail = b.String()
	}
	text := head
	if m.Body != "" {
		room := slackMaxSection - runeLen(head) - runeLen(tail) - 1
		text += "\n" + slackEscapeCut(m.Body, room)
	}
	text = cutRunes(text+tail, slackMaxSection)

	fallback := m.Title
	if m.Body != "" {
		fallback += ": " + m.Body
	}
	p := slackPayload{
		Text:   slackEscapeCut(fallback, slackMaxFallback),
		Blocks: []slackBlock{{Type: "section", Text: &slackText{Type: "mrkdwn", Text: text}}},
	}
	if m.AgentName != "" {
		p.Blocks = append(p.Blocks, slackBlock{Type: "context", Elements: []slackElement{
			{Type: "mrkdwn", Text: slackEscape(m.AgentName)},
		}})
	}
	var buttons []slackElement
	if m.InstanceURL != "" {
		buttons = append(buttons, slackButton("Open", m.InstanceURL, ""))
	}
	if m.isQuestion() {
		buttons = append(buttons, slackButton("Answer", m.AnswerURL, "primary"))
	}
	if len(buttons) > 0 {
		p.Blocks = append(p.Blocks, slackBlock{Type: "actions", Elements: buttons})
	}
	return p
}

func slackButton(label, url, style string) slackElement {
	return slackElement{Type: "button", Text: slackText{Type: "plain_text", Text: label}, URL: url, Style: style}
}

// slackEscape applies Slack's only three escapes, so that text cannot form
// links or mentions (https://api.slack.com/reference/surfaces/formatting#escaping).
func slackEscape(s string) string { return slackEscaper.Replace(s) }

var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// slackEscapeCut escapes s and cuts it to n characters without splitting an
// escape sequence.
func slackEscapeCut(s string, n int) string {
	if escaped := slackEscape(s); runeLen(escaped) <= n {
		return escaped
	}
	var b strings.Builder
	count := 0
	for _, r := range s {
		piece := slackEscape(string(r))
		if count+runeLen(piece) > n-1 {
			break
		}
		b.WriteString(piece)
		count += runeLen(piece)
	}
	return b.String() + ellipsis
}
