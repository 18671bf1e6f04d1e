package agents

import (
	"context"
	"errors"
	"time"
)

// RequestInputResult is the answer to turning a sent message into a
// question: like Pending with that message as the expected pointer.
type RequestInputResult struct {
	MessageID  string
	InstanceID string
	Messages   []Message
	Stale      bool
}

// RequestInput marks one of the caller's agent messages as a question. If
// replies are already queued they are returned (and consumed); otherwise
// the instance waits for input.
func (s *Service) RequestInput(ctx context.Context, userID, messageID string) (*RequestInputResult, error) {
	id, ok := ParseID(messageID)
	if !ok {
		return nil, ErrMessageNotFound
	}
	res := &RequestInputResult{MessageID: id, Messages: []Message{}}
	err := s.repo.inTx(ctx, func(r repo) error {
		msg, err := r.message(ctx, userID, id)
		if err != nil {
			return err
		}
		if msg.SenderType != SenderAgent {
			return ErrMessageNotFound
		}
		if msg.RequiresUserInput {
			return ErrAlreadyQuestion
		}
		res.InstanceID = msg.InstanceID
		if err := r.updateMessage(ctx, userID, id, map[string]any{"requires_user_input": true}); err != nil {
			return err
		}
		inst, err := r.lockInstance(ctx, userID, msg.InstanceID)
		if err != nil {
			return err
		}
		// The step became a question: it no longer counts as a step.
		if err := r.updateInstance(ctx, userID, msg.InstanceID, map[string]any{"step_count": max(0, inst.StepCount-1)}); err != nil {
			return err
		}
		if inst.LastReadMessageID == nil || *inst.LastReadMessageID != id {
			res.Stale = true
			return nil
		}
		queued, err := r.userMessagesAfter(ctx, userID, msg.InstanceID, msg.Seq, 0)
		if err != nil {
			return err
		}
		now := s.now()
		if len(queued) > 0 {
			res.Messages = queued
			newest := queued[len(queued)-1]
			return r.updateInstance(ctx, userID, msg.InstanceID, map[string]any{
				"last_read_message_id": newest.ID, "last_read_seq": newest.Seq, "updated_at": now,
			})
		}
		return r.updateInstance(ctx, userID, msg.InstanceID, map[string]any{"status": StatusAwaitingInput, "updated_at": now})
	})
	if err != nil {
		return nil, err
	}
	msgEvent := instanceEvent(userID, res.InstanceID, EventMessageUpdated)
	msgEvent.MessageID = id
	s.publish(ctx, msgEvent, instanceEvent(userID, res.InstanceID, EventInstanceUpdated))
	return res, nil
}

// QuestionView is a question and, once a person replied, its answer.
type QuestionView struct {
	Question Message
	Answer   *Message // the first user message after the question
}

// Question returns one of the user's questions and its answer if there is
// one; with wait > 0 it blocks until answered or the wait ends.
func (s *Service) Question(ctx context.Context, userID, messageID string, wait time.Duration) (*QuestionView, error) {
	id, ok := ParseID(messageID)
	if !ok {
		return nil, ErrQuestionNotFound
	}
	q, err := s.repo.message(ctx, userID, id)
	if errors.Is(err, ErrMessageNotFound) || (err == nil && (q.SenderType != SenderAgent || !q.RequiresUserInput)) {
		return nil, ErrQuestionNotFound
	}
	if err != nil {
		return nil, err
	}
	view := &QuestionView{Question: *q}
	err = s.waitFor(ctx, userID, q.InstanceID, wait, func() (bool, error) {
		replies, err := s.repo.userMessagesAfter(ctx, userID, q.InstanceID, q.Seq, 1)
		if len(replies) > 0 {
			view.Answer = &replies[0]
		}
		return view.Answer != nil, err
	})
	if errors.Is(err, ErrStopping) {
		err = nil // answer what there is; the agent asks again
	}
	return view, err
}

// AwaitAnswer waits up to wait for the first reply to one of the user's
// questions and moves the read pointer from the question to that reply
// (later replies stay queued). stale means the pointer is no longer at the
// question: another caller took the reply, or the agent moved on.
func (s *Service) AwaitAnswer(ctx context.Context, userID, questionID string, wait time.Duration) (answer *Message, stale bool, err error) {
	id, ok := ParseID(questionID)
	if !ok {
		return nil, false, ErrQuestionNotFound
	}
	q, err := s.repo.message(ctx, userID, id)
	if errors.Is(err, ErrMessageNotFound) || (err == nil && (q.SenderType != SenderAgent || !q.RequiresUserInput)) {
		return nil, false, ErrQuestionNotFound
	}
	if err != nil {
		return nil, false, err
	}
	err = s.waitFor(ctx, userID, q.InstanceID, wait, func() (bool, error) {
		inst, err := s.repo.readState(ctx, q.InstanceID)
		if err != nil {
			return false, err
		}
		if inst.LastReadMessageID == nil || *inst.LastReadMessageID != q.ID {
			stale = true
			return true, nil
		}
		if !inst.hasUnread() {
			return false, nil
		}
		replies, err := s.repo.userMessagesAfter(ctx, userID, q.InstanceID, q.Seq, 1)
		if err != nil || len(replies) == 0 {
			return false, err
		}
		moved, err := s.repo.advancePointer(ctx, userID, q.InstanceID, q.ID, replies[0], s.now())
		if err != nil {
			return false, err
		}
		if !moved {
			stale = true
			return true, nil
		}
		answer = &replies[0]
		return true, nil
	})
	if answer != nil {
		s.publish(ctx, instanceEvent(userID, q.InstanceID, EventInstanceUpdated))
	}
	return answer, stale, err
}
