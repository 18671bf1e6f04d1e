package channel

import (
	"context"
	"strings"
	"time"
)

// Discord's limits, in characters.
const (
	discordMaxContent     = 2000
	discordMaxTitle       = 256
	discordMaxDescription = 4096
)

// Embed colours by kind, so a question stands out in a busy channel.
var discordColors = map[string]int{
	"question": 0xF59E0B, // amber
	"step":     0x3B82F6, // blue
	"end":      0x22C55E, // green
	"test":     0x6B7280, // grey
}

type discordPayload struct {
	Content         string                 `json:"content"`
	Embeds          []discordEmbed         `json:"embeds"`
	AllowedMentions discordAllowedMentions `json:"allowed_mentions"`
}

type discordEmbed struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	Timestamp   string `json:"timestamp"`
	Color       int    `json:"color"`
}

// discordAllowedMentions with an empty parse list stops an agent's text
// from pinging @everyone or anyone else.
type discordAllowedMentions struct {
	Parse []string `json:"parse"`
}

func (s *Sender) sendDiscord(ctx context.Context, t Target, m Message) error {
	return s.post(ctx, "Discord", t.URL, nil, discordMessage(m), targetSecrets(t))
}

func discordMessage(m Message) discordPayload {
	var tail strings.Builder
	if m.isQuestion() {
		if len(m.Options) > 0 {
			tail.WriteString("\n\nOptions:")
			for _, o := range m.Options {
				tail.WriteString("\n• " + cutRunes(o, 150))
			}
		}
		tail.WriteString("\n\n[Answer](" + m.AnswerURL + ")")
	}
	suffix := tail.String()
	if m.Body == "" {
		suffix = strings.TrimPrefix(suffix, "\n\n")
	}
	description := cutRunes(m.Body, discordMaxDescription-runeLen(suffix)) + suffix
	color, ok := discordColors[m.Kind]
	if !ok {
		color = discordColors["test"]
	}
	return discordPayload{
		Content: cutRunes(m.Title, discordMaxContent),
		Embeds: []discordEmbed{{
			Title:       cutRunes(m.Title, discordMaxTitle),
			Description: cutRunes(description, discordMaxDescription),
			URL:         m.InstanceURL,
			Timestamp:   m.sentAt().Format(time.RFC3339),
			Color:       color,
		}},
		AllowedMentions: discordAllowedMentions{Parse: []string{}},
	}
}
