package agentapi

import (
	"encoding/json"
	"time"

	"github.com/omnara-go/omnara/modules/agents"
)

// messageView is Omnara's MessageResponse. Old SDKs build a dataclass
// from it with **msg, so it must have exactly these keys.
type messageView struct {
	ID                string `json:"id"`
	Content           string `json:"content"`
	SenderType        string `json:"sender_type"`
	CreatedAt         string `json:"created_at"`
	RequiresUserInput bool   `json:"requires_user_input"`
}

func messageViews(ms []agents.Message) []messageView {
	out := make([]messageView, 0, len(ms))
	for _, m := range ms {
		out = append(out, messageView{
			ID: m.ID, Content: m.Content, SenderType: m.SenderType,
			CreatedAt: agents.FormatTime(m.CreatedAt), RequiresUserInput: m.RequiresUserInput,
		})
	}
	return out
}

func timeOrNull(t *time.Time) *string {
	if t == nil {
		return nil
	}
	return new(agents.FormatTime(*t))
}

// rawJSON renders stored JSON text as JSON (null when absent).
func rawJSON(s *string) json.RawMessage {
	if s == nil {
		return json.RawMessage("null")
	}
	return json.RawMessage(*s)
}

// instanceView is what GET /agent-instances/{id} answers.
type instanceView struct {
	ID                string          `json:"id"`
	AgentTypeID       string          `json:"agent_type_id"`
	AgentTypeName     string          `json:"agent_type_name"`
	Status            string          `json:"status"`
	Name              *string         `json:"name"`
	StartedAt         string          `json:"started_at"`
	EndedAt           *string         `json:"ended_at"`
	GitDiff           *string         `json:"git_diff"`
	Messages          []messageView   `json:"messages"`
	LastReadMessageID *string         `json:"last_read_message_id"`
	LastHeartbeatAt   *string         `json:"last_heartbeat_at"`
	InstanceMetadata  json.RawMessage `json:"instance_metadata"`
}

func newInstanceView(v *agents.InstanceView) instanceView {
	return instanceView{
		ID: v.ID, AgentTypeID: v.AgentTypeID, AgentTypeName: v.AgentType.Name, Status: v.Status, Name: v.Name,
		StartedAt: agents.FormatTime(v.StartedAt), EndedAt: timeOrNull(v.EndedAt), GitDiff: v.GitDiff,
		Messages: messageViews(v.Messages), LastReadMessageID: v.LastReadMessageID,
		LastHeartbeatAt: timeOrNull(v.LastHeartbeatAt), InstanceMetadata: rawJSON(v.InstanceMetadata),
	}
}
