package notify

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/omnara-go/omnara/modules/notify/channel"
)

// message turns an outbox row into what channels say. Every message names
// the agent, carries the text and links to the session.
func (s *Service) message(ctx context.Context, n *notification) (channel.Message, error) {
	label, err := s.deps.Labels.Label(ctx, n.UserID, n.InstanceID)
	if err != nil {
		label = "Your agent" // the session was deleted; still say what happened
	}
	m := channel.Message{
		ID: n.ID, Kind: n.Kind, AgentName: label, Body: n.Body, Priority: 3, SentAt: s.now(),
		InstanceURL: s.deps.BaseURL + "/instances/" + n.InstanceID,
	}
	switch n.Kind {
	case "question":
		m.Title, m.Priority = label+" asks", 4
		m.Options = optionsOf(n.Metadata)
		if m.AnswerURL, err = s.answerURL(n.UserID, n.InstanceID, n.MessageID, s.now()); err != nil {
			return m, err
		}
	case "step":
		m.Title, m.Priority = label+" is working", 2
		if n.Steps > 1 {
			m.Title = fmt.Sprintf("%s: %d new steps", label, n.Steps)
		}
	case "end":
		m.Title = label + " finished"
	default:
		m.Title = label
	}
	return m, nil
}

// optionsOf reads the options stored with a question.
func optionsOf(metadata *string) []string {
	var opts []string
	if metadata != nil {
		_ = json.Unmarshal([]byte(*metadata), &opts)
	}
	return opts
}
