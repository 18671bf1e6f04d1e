package main

import (
	"context"

	"gorm.io/gorm"

	"github.com/omnara-go/omnara/modules/agents"
	"github.com/omnara-go/omnara/modules/notify"
)

// notices hands the agents module's notices to the notify module's outbox
// (domain modules do not import each other).
type notices struct{ outbox *notify.Service }

func (n notices) Wants(userID, kind string) bool { return n.outbox.Wants(userID, kind) }

func (n notices) Enqueue(ctx context.Context, tx *gorm.DB, in []agents.Notice) ([]bool, error) {
	out := make([]notify.Notice, len(in))
	for i, a := range in {
		out[i] = notify.Notice{
			Kind: a.Kind, UserID: a.UserID, InstanceID: a.InstanceID, MessageID: a.MessageID,
			Text: a.Text, Options: a.Options, SendEmail: a.SendEmail, SendSMS: a.SendSMS, SendPush: a.SendPush,
		}
	}
	return n.outbox.Enqueue(ctx, tx, out)
}

// sessionLabels lets notifications name sessions as the agents module
// does; it is filled in once the agents service exists.
type sessionLabels struct{ agents *agents.Service }

func (l *sessionLabels) Label(ctx context.Context, userID, instanceID string) (string, error) {
	return l.agents.Label(ctx, userID, instanceID)
}
