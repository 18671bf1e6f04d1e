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

// agentWrite is one agent message, validated and ready to be written.
type agentWrite struct {
	userID, id string
	in         AgentMessageInput
	agentType  string // normalized
	diff       string
	applyDiff  bool
}

// CreateAgentMessage records a step or a question, creating the instance
// on first use, and hands back the user messages the agent had not seen.
func (s *Service) CreateAgentMessage(ctx context.Context, userID string, in AgentMessageInput) (*AgentMessageResult, error) {
	id, ok := ParseID(in.InstanceID)
	if !ok {
		return nil, ErrInvalidInstanceID
	}
	w := agentWrite{userID: userID, id: id, in: in, agentType: normalizeAgentType(in.AgentType)}
	w.diff, w.applyDiff = normalizeGitDiff(in.GitDiff)
	return s.ingest.submit(ctx, w)
}

// events lists what a written agent message announces.
func (j *ingestJob) events() []events.Event {
	ev := events.Event{UserID: j.w.userID, InstanceID: j.w.id, MessageID: j.res.Message.ID, Seq: j.res.Message.Seq}
	evs := make([]events.Event, 0, 4)
	if j.created {
		evs = append(evs, instanceEvent(j.w.userID, j.w.id, EventInstanceCreated))
	}
	// A new message also means its instance changed (status, pointer), so
	// no instance.updated rides along. Instance events name no message, so
	// a batch's repeats for one instance are identical and PostgreSQL
	// sends them once.
	evs = append(evs, withKind(ev, EventMessageCreated))
	if j.w.applyDiff {
		evs = append(evs, instanceEvent(j.w.userID, j.w.id, EventGitDiffUpdated))
	}
	if j.notified {
		evs = append(evs, instanceEvent(j.w.userID, j.w.id, EventNotified))
	}
	return evs
}

// writeAlone writes one agent message in its own transaction. A second
// attempt covers two first messages racing to create one instance: the
// loser finds the winner's row.
func (s *Service) writeAlone(ctx context.Context, w agentWrite) (*AgentMessageResult, bool, error) {
	j := &ingestJob{ctx: ctx, w: w}
	var err error
	for range 2 {
		err = s.repo.inTx(ctx, func(r repo) error { return s.writeBatch(ctx, r, []*ingestJob{j}) })
		if err == nil {
			err = j.err
		}
		if !errors.Is(err, ErrInstanceExists) {
			break
		}
	}
	return j.res, j.created, err
}

// writeBatch applies agent messages inside the transaction r, in order,
// with one query to load their instances, one insert for all messages and
// one update per instance. A job that is refused gets its error and
// changes nothing; any other error aborts the batch.
func (s *Service) writeBatch(ctx context.Context, r repo, jobs []*ingestJob) error {
	ids := make([]string, 0, len(jobs))
	for _, j := range jobs {
		ids = append(ids, j.w.id)
	}
	insts, err := r.lockInstances(ctx, ids)
	if err != nil {
		return err
	}
	now := s.now()
	type pending struct {
		inst      *Instance
		last      *Message // the newest message of this batch: the new pointer
		diff      *string
		applyDiff bool
	}
	touched := map[string]*pending{}
	var order []*pending
	var msgs []Message
	var owners []*ingestJob
	for _, j := range jobs {
		j.notified = false // a retried batch starts over
		if j.err = j.ctx.Err(); j.err != nil {
			continue
		}
		w := j.w
		inst := insts[w.id]
		switch {
		case inst == nil && w.agentType == "":
			j.err = ErrAgentTypeRequired
			continue
		case inst == nil:
			at, err := r.ensureAgentType(ctx, w.userID, w.agentType, now)
			if err != nil {
				return err
			}
			inst = &Instance{ID: w.id, UserID: w.userID, AgentTypeID: at.ID, Status: StatusActive, StartedAt: now, UpdatedAt: now}
			if err := r.createInstance(ctx, inst); err != nil {
				return err
			}
			insts[w.id] = inst
			j.created = true
		case inst.UserID != w.userID:
			j.err = ErrAccessDenied
			continue
		}
		j.res = &AgentMessageResult{InstanceID: w.id, Queued: []Message{}}
		if inst.hasUnread() {
			if j.res.Queued, err = r.userMessagesAfter(ctx, w.userID, w.id, inst.LastReadSeq, 0); err != nil {
				return err
			}
			inst.LastReadSeq = inst.LastUserSeq // delivered: later jobs of this batch get none
		}
		if !w.in.RequiresUserInput {
			inst.StepCount++
		}
		j.res.StepCount = inst.StepCount
		if inst.Status != StatusCompleted {
			inst.Status = StatusActive
			if w.in.RequiresUserInput {
				inst.Status = StatusAwaitingInput
			}
		}
		p := touched[w.id]
		if p == nil {
			p = &pending{inst: inst}
			touched[w.id] = p
			order = append(order, p)
		}
		if w.applyDiff {
			p.diff, p.applyDiff = nullIfEmpty(w.diff), true
		}
		msgs = append(msgs, Message{
			ID: newID(), UserID: w.userID, InstanceID: w.id, SenderType: SenderAgent,
			Content: w.in.Content, RequiresUserInput: w.in.RequiresUserInput,
			MessageMetadata: compactJSON(w.in.Metadata), CreatedAt: now,
		})
		owners = append(owners, j)
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := r.createMessages(ctx, msgs); err != nil {
		return err
	}
	for i, j := range owners {
		j.res.Message = msgs[i]
		touched[j.w.id].last = &msgs[i]
	}
	updates := make([]Instance, 0, len(order))
	for _, p := range order {
		in := *p.inst
		in.LastHeartbeatAt, in.UpdatedAt = &now, now
		in.LastReadMessageID, in.LastReadSeq = &p.last.ID, p.last.Seq
		updates = append(updates, in)
		if p.applyDiff {
			if err := r.updateInstance(ctx, in.UserID, in.ID, map[string]any{"git_diff": p.diff}); err != nil {
				return err
			}
		}
	}
	if err := r.updateProgress(ctx, updates); err != nil {
		return err
	}
	stored, err := s.enqueue(ctx, r, s.notices(owners))
	for _, j := range owners {
		j.notified = stored[j.res.Message.ID]
	}
	return err
}

// CreateUserMessage records a person's reply or feedback. markAsRead moves
// the agent's read pointer past it (the agent API's default); replies typed
// in the dashboard leave it, so the agent receives them.
func (s *Service) CreateUserMessage(ctx context.Context, userID, instanceID, content string, markAsRead bool) (*Message, error) {
	id, ok := ParseID(instanceID)
	if !ok {
		return nil, ErrInstanceNotFound
	}
	var (
		msg       Message
		ev        events.Event // message.created also means the instance changed
		published bool
	)
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
		if err := r.updateInstance(ctx, userID, id, cols); err != nil {
			return err
		}
		ev = events.Event{Kind: EventMessageCreated, UserID: userID, InstanceID: id, MessageID: msg.ID, Seq: msg.Seq}
		var err error
		published, err = s.publishInTx(ctx, r, ev)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !published {
		s.publish(ctx, ev)
	}
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
