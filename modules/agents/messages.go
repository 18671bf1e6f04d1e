package agents

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/omnara-go/omnara/platform/events"
)

// AgentMessageInput is a step or question an agent sends.
type AgentMessageInput struct {
	InstanceID        string
	AgentType         string // needed only when the instance does not exist yet
	Content           string
	RequiresUserInput bool
	GitDiff           *string
	Metadata          json.RawMessage // object or null, stored as given
	// Per-message notification overrides (nil = the user's preference).
	SendEmail, SendSMS, SendPush *bool
}

// AgentMessageResult is what the agent learns back.
type AgentMessageResult struct {
	InstanceID string
	Message    Message
	// Queued are the user messages the agent had not seen, oldest first.
	Queued []Message
	// StepCount counts the instance's agent messages that are not
	// questions, this one included (MCP's step_number).
	StepCount int64
}

// CreateAgentMessage records a step or a question, creating the instance
// on first use, and hands back the user messages the agent had not seen.
func (s *Service) CreateAgentMessage(ctx context.Context, userID string, in AgentMessageInput) (*AgentMessageResult, error) {
	id, ok := ParseID(in.InstanceID)
	if !ok {
		return nil, ErrInvalidInstanceID
	}
	diff, applyDiff := normalizeGitDiff(in.GitDiff)
	var res *AgentMessageResult
	var created bool
	var err error
	// A second attempt covers two first messages racing to create one
	// instance: the loser finds the winner's row.
	for range 2 {
		res, created, err = s.createAgentMessage(ctx, userID, id, in, diff, applyDiff)
		if !errors.Is(err, ErrInstanceExists) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	ev := events.Event{UserID: userID, InstanceID: id, MessageID: res.Message.ID, Seq: res.Message.Seq}
	evs := []events.Event{}
	if created {
		evs = append(evs, withKind(ev, EventInstanceCreated))
	}
	evs = append(evs, withKind(ev, EventMessageCreated), withKind(ev, EventInstanceUpdated))
	if applyDiff {
		evs = append(evs, withKind(ev, EventGitDiffUpdated))
	}
	s.publish(ctx, evs...)
	return res, nil
}

func (s *Service) createAgentMessage(ctx context.Context, userID, id string, in AgentMessageInput, diff string, applyDiff bool) (*AgentMessageResult, bool, error) {
	agentType := normalizeAgentType(in.AgentType)
	res := &AgentMessageResult{InstanceID: id}
	created := false
	err := s.repo.inTx(ctx, func(r repo) error {
		now := s.now()
		inst, err := r.lockInstanceAnyOwner(ctx, id)
		switch {
		case errors.Is(err, ErrInstanceNotFound):
			if agentType == "" {
				return ErrAgentTypeRequired
			}
			at, err := r.ensureAgentType(ctx, userID, agentType, now)
			if err != nil {
				return err
			}
			inst = &Instance{ID: id, UserID: userID, AgentTypeID: at.ID, Status: StatusActive, StartedAt: now, UpdatedAt: now}
			if err := r.createInstance(ctx, inst); err != nil {
				return err
			}
			created = true
		case err != nil:
			return err
		case inst.UserID != userID:
			return ErrAccessDenied
		}

		res.Queued = []Message{}
		if inst.hasUnread() {
			if res.Queued, err = r.userMessagesAfter(ctx, userID, id, inst.LastReadSeq, 0); err != nil {
				return err
			}
		}
		res.Message = Message{
			ID: newID(), UserID: userID, InstanceID: id, SenderType: SenderAgent,
			Content: in.Content, RequiresUserInput: in.RequiresUserInput,
			MessageMetadata: compactJSON(in.Metadata), CreatedAt: now,
		}
		if err := r.createMessage(ctx, &res.Message); err != nil {
			return err
		}
		res.StepCount = inst.StepCount
		cols := map[string]any{
			"last_heartbeat_at": now, "updated_at": now,
			"last_read_message_id": res.Message.ID, "last_read_seq": res.Message.Seq,
		}
		if !in.RequiresUserInput {
			res.StepCount++
			cols["step_count"] = res.StepCount
		}
		if inst.Status != StatusCompleted {
			cols["status"] = StatusActive
			if in.RequiresUserInput {
				cols["status"] = StatusAwaitingInput
			}
		}
		if applyDiff {
			cols["git_diff"] = nullIfEmpty(diff)
		}
		return r.updateInstance(ctx, userID, id, cols)
	})
	return res, created, err
}

// CreateUserMessage records a person's reply or feedback. markAsRead moves
// the agent's read pointer past it (the agent API's default); replies typed
// in the dashboard leave it, so the agent receives them.
func (s *Service) CreateUserMessage(ctx context.Context, userID, instanceID, content string, markAsRead bool) (*Message, error) {
	id, ok := ParseID(instanceID)
	if !ok {
		return nil, ErrInstanceNotFound
	}
	var msg Message
	err := s.repo.inTx(ctx, func(r repo) error {
		now := s.now()
		if _, err := r.lockInstance(ctx, userID, id); err != nil {
			return err
		}
		msg = Message{ID: newID(), UserID: userID, InstanceID: id, SenderType: SenderUser, Content: content, CreatedAt: now}
		if err := r.createMessage(ctx, &msg); err != nil {
			return err
		}
		cols := map[string]any{"status": StatusActive, "updated_at": now, "last_user_seq": msg.Seq}
		if markAsRead {
			cols["last_read_message_id"] = msg.ID
			cols["last_read_seq"] = msg.Seq
		}
		return r.updateInstance(ctx, userID, id, cols)
	})
	if err != nil {
		return nil, err
	}
	ev := events.Event{UserID: userID, InstanceID: id, MessageID: msg.ID, Seq: msg.Seq}
	s.publish(ctx, withKind(ev, EventMessageCreated), withKind(ev, EventInstanceUpdated))
	s.webhooks.enqueue(msg)
	return &msg, nil
}

func withKind(ev events.Event, k events.Kind) events.Event {
	ev.Kind = k
	return ev
}

func instanceEvent(userID, instanceID string, k events.Kind) events.Event {
	return events.Event{Kind: k, UserID: userID, InstanceID: instanceID}
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
