package agents

import "context"

// TimelinePage is an instance with one page of its messages, oldest first.
type TimelinePage struct {
	Instance
	Messages []Message
	HasOlder bool // messages before Messages[0] exist
}

// Timeline returns one of the user's instances with the newest limit
// messages older than beforeSeq (0 = the newest of all).
func (s *Service) Timeline(ctx context.Context, userID, instanceID string, beforeSeq int64, limit int) (*TimelinePage, error) {
	inst, err := s.OwnedInstance(ctx, userID, instanceID)
	if err != nil {
		return nil, err
	}
	// One more than asked tells whether older ones exist.
	ms, err := s.repo.messagesBefore(ctx, userID, inst.ID, beforeSeq, limit+1)
	if err != nil {
		return nil, err
	}
	page := &TimelinePage{Instance: *inst, HasOlder: len(ms) > limit}
	if page.HasOlder {
		ms = ms[:limit]
	}
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	page.Messages = ms
	return page, nil
}

// MessagesAfter lists the user's messages with a sequence number above
// afterSeq, oldest first, in one instance or (instanceID "") in all of
// them: what a live page missed while it was disconnected.
func (s *Service) MessagesAfter(ctx context.Context, userID, instanceID string, afterSeq int64, limit int) ([]Message, error) {
	return s.repo.messagesAfter(ctx, userID, instanceID, afterSeq, limit)
}

// Message returns one of the user's messages.
func (s *Service) Message(ctx context.Context, userID, messageID string) (*Message, error) {
	return s.repo.message(ctx, userID, messageID)
}

// OpenQuestion returns the question the instance waits on, else nil. Only
// a waiting instance has one: an agent that posted a step since its
// question has moved on (and the search would scan its whole history).
func (s *Service) OpenQuestion(ctx context.Context, userID string, inst *Instance) (*Message, error) {
	if inst.Status != StatusAwaitingInput {
		return nil, nil
	}
	q, err := s.repo.latestQuestion(ctx, userID, inst.ID)
	if err != nil || q == nil || q.Seq < inst.LastUserSeq {
		return nil, err
	}
	return q, nil
}
