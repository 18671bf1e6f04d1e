package dashboard

import (
	"html/template"
	"strings"
	"time"

	"github.com/omnara-go/omnara/modules/agents"
)

// staleAfter is how long an active session may stay silent before the
// dashboard calls it stale.
const staleAfter = 15 * time.Minute

type badge struct{ Label, Class string }

// badgeFor names a session's state as people read it.
func badgeFor(status string, lastSign time.Time, now time.Time) badge {
	switch status {
	case agents.StatusAwaitingInput:
		return badge{"waiting", "waiting"}
	case agents.StatusActive:
		if now.Sub(lastSign) > staleAfter {
			return badge{"stale", "stale"}
		}
		return badge{"active", "active"}
	case agents.StatusCompleted:
		return badge{"completed", "ended"}
	case agents.StatusFailed, agents.StatusKilled:
		return badge{strings.ToLower(status), "failed"}
	default:
		return badge{strings.ToLower(status), "stale"}
	}
}

// lastSign is the newest sign of life of a session.
func lastSign(updated time.Time, heartbeat *time.Time) time.Time {
	if heartbeat != nil && heartbeat.After(updated) {
		return *heartbeat
	}
	return updated
}

// titleOf is how a session is called: its name, else its agent and id.
func titleOf(name *string, agentType, id string) string {
	if name != nil && *name != "" {
		return *name
	}
	return agentType + " · " + id[:min(8, len(id))]
}

// firstLine returns the first non-empty line of text, cut to n runes.
func firstLine(text string, n int) string {
	text, _ = agents.QuestionChoices(text, nil)
	for line := range strings.Lines(text) {
		if line = strings.TrimSpace(line); line != "" {
			if r := []rune(line); len(r) > n {
				return string(r[:n-1]) + "…"
			}
			return line
		}
	}
	return ""
}

// row is one session on the overview.
type row struct {
	ID, Title, AgentType string
	Badge                badge
	Question, Preview    string
	At                   time.Time
}

func (m *Module) rowOf(s agents.InstanceSummary, loc *time.Location) row {
	at := s.UpdatedAt
	if s.LastAt != nil && s.LastAt.After(at) {
		at = *s.LastAt
	}
	r := row{
		ID: s.ID, Title: titleOf(s.Name, s.AgentType, s.ID), AgentType: s.AgentType,
		Badge: badgeFor(s.Status, lastSign(s.UpdatedAt, s.LastHeartbeatAt), m.now()),
		At:    at.In(loc),
	}
	if s.Status == agents.StatusAwaitingInput && s.LastRequiresInput {
		r.Question = firstLine(s.LastContent, 140)
	}
	prefix := ""
	if s.LastSender == agents.SenderUser {
		prefix = "You: "
	}
	r.Preview = prefix + firstLine(s.LastContent, 140)
	return r
}

// messageView is one timeline entry.
type messageView struct {
	Seq        int64
	Class, Who string
	At         time.Time
	HTML       template.HTML
}

func (m *Module) messageOf(msg agents.Message, loc *time.Location) messageView {
	v := messageView{Seq: msg.Seq, At: msg.CreatedAt.In(loc)}
	text := msg.Content
	switch {
	case msg.SenderType == agents.SenderUser:
		v.Class, v.Who = "msg-user", "You"
	case msg.RequiresUserInput:
		v.Class, v.Who = "msg-question", "Question"
		var c agents.Choices
		text, c = agents.QuestionChoices(text, msg.MessageMetadata)
		if len(c.Options) > 0 {
			text += "\n\nOptions: " + strings.Join(c.Options, " · ")
		}
	default:
		v.Class, v.Who = "msg-agent", "Agent"
	}
	v.HTML = m.md.render(text)
	return v
}
