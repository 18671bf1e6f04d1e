package notify

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/omnara-go/omnara/modules/notify/channel"
)

// Notice is one event to tell a person about: a question, a step or an
// ended session. The agents module's notices are converted in main.
type Notice struct {
	Kind                         string // "question", "step" or "end"
	UserID, InstanceID           string
	MessageID                    string
	Text                         string
	Options                      []string
	SendEmail, SendSMS, SendPush *bool // Omnara's per-message overrides; SMS has no channel here
}

// Wants reports whether the user has a channel for kind. Unknown users
// (not cached yet) get "maybe": Enqueue decides, inside the transaction,
// with fresh data.
func (s *Service) Wants(userID, kind string) bool {
	st, ok := s.cache.get(userID, s.now())
	if !ok {
		return true
	}
	event := kindEvent(kind)
	for _, c := range st.channels {
		if c.Has(event) {
			return true
		}
	}
	return false
}

// Enqueue stores notices in the transaction that writes their messages:
// one notification and one pending delivery per channel that wants it.
// Steps of one session fold into the notification still waiting to go out.
func (s *Service) Enqueue(ctx context.Context, tx *gorm.DB, notices []Notice) ([]bool, error) {
	r := repo{tx.WithContext(ctx)}
	now := s.now()
	stored := make([]bool, len(notices))
	for i, n := range notices {
		st, ok := s.cache.get(n.UserID, now)
		if !ok {
			var err error
			if st, err = r.userState(n.UserID, now); err != nil {
				return nil, err
			}
			s.cache.put(n.UserID, st)
		}
		targets := targetsFor(st.channels, n)
		if len(targets) == 0 {
			continue
		}
		due := now
		if n.Kind == "step" {
			folded, err := r.foldStep(n.InstanceID, n.Text)
			if err != nil {
				return nil, err
			}
			if folded {
				// The notification on its way already wakes the worker.
				continue
			}
			due = now.Add(s.coalesce)
		}
		due = st.prefs.after(due)
		row := notification{
			ID: uuid.NewString(), UserID: n.UserID, InstanceID: n.InstanceID, MessageID: n.MessageID,
			Kind: n.Kind, Body: n.Text, Steps: 1, CreatedAt: now,
		}
		if len(n.Options) > 0 {
			opts, _ := json.Marshal(n.Options)
			row.Metadata = new(string(opts))
		}
		ds := make([]delivery, 0, len(targets))
		for _, c := range targets {
			ds = append(ds, delivery{NotificationID: row.ID, ChannelID: c.ID, UserID: n.UserID, Status: statusPending, NextAttemptAt: due})
		}
		if err := r.insertNotification(&row, ds); err != nil {
			return nil, err
		}
		stored[i] = true
	}
	return stored, nil
}

// targetsFor picks the channels a notice goes to. Omnara's overrides win
// over the channel's events: false keeps that kind of channel quiet for
// this message, true sends on it even if the event is not chosen.
func targetsFor(channels []Channel, n Notice) []Channel {
	event := kindEvent(n.Kind)
	var out []Channel
	for _, c := range channels {
		var override *bool
		switch c.Kind {
		case channel.Email:
			override = n.SendEmail
		case channel.WebPush:
			override = n.SendPush
		}
		switch {
		case override != nil && !*override:
		case override != nil && *override, c.Has(event):
			out = append(out, c)
		}
	}
	return out
}

// after returns t, or the end of the quiet hours t falls in.
func (p Prefs) after(t time.Time) time.Time {
	if p.QuietStart == p.QuietEnd {
		return t
	}
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	local := t.In(loc)
	minute := local.Hour()*60 + local.Minute()
	inQuiet := (p.QuietStart < p.QuietEnd && minute >= p.QuietStart && minute < p.QuietEnd) ||
		(p.QuietStart > p.QuietEnd && (minute >= p.QuietStart || minute < p.QuietEnd))
	if !inQuiet {
		return t
	}
	end := time.Date(local.Year(), local.Month(), local.Day(), p.QuietEnd/60, p.QuietEnd%60, 0, 0, loc)
	if !end.After(local) {
		end = end.AddDate(0, 0, 1)
	}
	return end.UTC()
}
