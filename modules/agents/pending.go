package agents

import (
	"context"
	"errors"
	"time"
)

// PendingResult answers "what did people send me?".
type PendingResult struct {
	InstanceID string
	Messages   []Message
	// Stale: the caller's read pointer is not the instance's any more
	// (someone else consumed the messages); nothing is returned.
	Stale bool
}

// Pending returns the user messages after the caller's read pointer and
// advances the pointer past them. lastRead is the pointer the caller
// believes current ("" = none). With wait > 0 it blocks until there is
// something to return or the wait ends.
func (s *Service) Pending(ctx context.Context, userID, instanceID, lastRead string, wait time.Duration) (*PendingResult, error) {
	id, ok := ParseID(instanceID)
	if !ok {
		return nil, ErrInvalidInstanceID
	}
	var ptr string
	if lastRead != "" {
		if ptr, ok = ParseID(lastRead); !ok {
			return nil, ErrInvalidMessageID
		}
	}
	var res *PendingResult
	err := s.waitFor(ctx, userID, id, wait, func() (bool, error) {
		var err error
		res, err = s.pendingOnce(ctx, userID, id, ptr)
		return err == nil && (res.Stale || len(res.Messages) > 0), err
	})
	if errors.Is(err, ErrStopping) && res != nil {
		err = nil // a long poll answers what there is; the client polls again
	}
	return res, err
}

// checkOwner answers Omnara's errors for an instance the caller names:
// unknown ones need an agent type, other users' are refused.
func (s *Service) checkOwner(ctx context.Context, userID, instanceID string) error {
	owner, err := s.repo.ownerOf(ctx, instanceID)
	switch {
	case err != nil:
		return err
	case owner == "":
		return ErrAgentTypeRequired
	case owner != userID:
		return ErrAccessDenied
	}
	return nil
}

func (s *Service) pendingOnce(ctx context.Context, userID, id, ptr string) (*PendingResult, error) {
	res := &PendingResult{InstanceID: id, Messages: []Message{}}
	// One read answers both Omnara's ownership errors and the pointer
	// check: pollers call this every second.
	inst, err := s.repo.readState(ctx, id)
	switch {
	case errors.Is(err, ErrInstanceNotFound):
		return nil, ErrAgentTypeRequired
	case err != nil:
		return nil, err
	case inst.UserID != userID:
		return nil, ErrAccessDenied
	}
	if ptr != "" && (inst.LastReadMessageID == nil || *inst.LastReadMessageID != ptr) {
		res.Stale = true
		return res, nil
	}
	// Without a pointer Omnara returns every user message; with one, only
	// newer ones, and the instance knows whether there are any.
	if ptr != "" && !inst.hasUnread() {
		return res, nil
	}
	var after int64
	if ptr != "" {
		after = inst.LastReadSeq
	}
	msgs, err := s.repo.userMessagesAfter(ctx, userID, id, after, 0)
	if err != nil || len(msgs) == 0 || ptr == "" {
		if msgs != nil {
			res.Messages = msgs
		}
		return res, err
	}
	// Advance only if nobody moved the pointer meanwhile; otherwise the
	// messages went to someone else and this caller is stale.
	moved, err := s.repo.advancePointer(ctx, userID, id, ptr, msgs[len(msgs)-1], s.now())
	if err != nil {
		return nil, err
	}
	if !moved {
		res.Stale = true
		return res, nil
	}
	res.Messages = msgs
	s.publish(ctx, instanceEvent(userID, id, EventInstanceUpdated))
	return res, nil
}
