package agents

import (
	"context"

	"gorm.io/gorm"
)

// Notice kinds: what people may be notified of.
const (
	NoticeQuestion = "question"
	NoticeStep     = "step"
	NoticeEnd      = "end"
)

// Notice is one event a person may want to hear of away from the screen.
type Notice struct {
	Kind                         string
	UserID, InstanceID           string
	MessageID                    string   // "" for an ended session
	Text                         string   // the question (without its options block) or step
	Options                      []string // a question's choices
	SendEmail, SendSMS, SendPush *bool    // Omnara's per-message overrides
}

// Notifier stores notices in the transaction that writes what they
// announce, so a notification exists if and only if its message does. The
// notify module implements it; nil means nobody is notified.
type Notifier interface {
	// Wants reports whether the user has a channel for this kind of
	// notice. It may lag a few seconds behind changes; it must be cheap,
	// because every message asks.
	Wants(userID, kind string) bool
	// Enqueue stores notices with tx and reports, for each, whether any
	// channel took it.
	Enqueue(ctx context.Context, tx *gorm.DB, notices []Notice) ([]bool, error)
}

// notices lists what a batch of written agent messages announces.
func (s *Service) notices(jobs []*ingestJob) []Notice {
	if s.notifier == nil {
		return nil
	}
	var out []Notice
	for _, j := range jobs {
		if j.err != nil || j.res == nil {
			continue
		}
		kind := NoticeStep
		if j.w.in.RequiresUserInput {
			kind = NoticeQuestion
		}
		forced := j.w.in.SendEmail != nil && *j.w.in.SendEmail || j.w.in.SendPush != nil && *j.w.in.SendPush || j.w.in.SendSMS != nil && *j.w.in.SendSMS
		if !s.notifier.Wants(j.w.userID, kind) && !forced {
			continue
		}
		m := j.res.Message
		n := Notice{
			Kind: kind, UserID: m.UserID, InstanceID: m.InstanceID, MessageID: m.ID, Text: m.Content,
			SendEmail: j.w.in.SendEmail, SendSMS: j.w.in.SendSMS, SendPush: j.w.in.SendPush,
		}
		if kind == NoticeQuestion {
			var c Choices
			n.Text, c = QuestionChoices(m.Content, m.MessageMetadata)
			n.Options = c.Options
		}
		out = append(out, n)
	}
	return out
}

// enqueue stores notices in tx and returns the ids of the messages whose
// notice a channel took ("" stands for an ended session's).
func (s *Service) enqueue(ctx context.Context, r repo, notices []Notice) (map[string]bool, error) {
	if s.notifier == nil || len(notices) == 0 {
		return nil, nil
	}
	stored, err := s.notifier.Enqueue(ctx, r.db, notices)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for i, ok := range stored {
		if ok {
			out[notices[i].MessageID] = true
		}
	}
	return out, nil
}
