package notify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/omnara-go/omnara/modules/notify/channel"
)

// NewChannel describes a channel to add.
type NewChannel struct {
	Kind, URL, Token string
	P256dh, Auth     string   // Web Push subscription keys
	Events           []string // empty = questions and ends
}

// ParseEvents reads "questions,steps,ends".
func ParseEvents(list string) ([]string, error) {
	var out []string
	for e := range strings.SplitSeq(list, ",") {
		e = strings.TrimSpace(e)
		switch e {
		case "":
			continue
		case EventQuestions, EventSteps, EventEnds:
			if !slices.Contains(out, e) {
				out = append(out, e)
			}
		default:
			return nil, ErrBadEvents
		}
	}
	return out, nil
}

// AddChannel saves a channel after checking it.
func (s *Service) AddChannel(ctx context.Context, userID string, nc NewChannel) (*Channel, error) {
	nc.Kind, nc.URL = strings.ToLower(strings.TrimSpace(nc.Kind)), strings.TrimSpace(nc.URL)
	if err := channel.Validate(channel.Target{Kind: nc.Kind, URL: nc.URL, Token: nc.Token, P256dh: nc.P256dh, Auth: nc.Auth}); err != nil {
		return nil, &InvalidChannelError{Reason: err.Error()}
	}
	if nc.Kind == channel.Email && s.deps.SMTP.Host == "" {
		return nil, ErrEmailOff
	}
	if len(nc.Events) == 0 {
		nc.Events = []string{EventQuestions, EventEnds}
	}
	c := &Channel{
		ID: uuid.NewString(), UserID: userID, Kind: nc.Kind, URL: nc.URL, Token: nc.Token,
		PushP256dh: nc.P256dh, PushAuth: nc.Auth, Events: strings.Join(nc.Events, ","), Enabled: true, CreatedAt: s.now(),
	}
	if err := s.repo(ctx).createChannel(c); err != nil {
		return nil, err
	}
	s.cache.forget(userID)
	return c, nil
}

// Channels lists the user's channels, oldest first.
func (s *Service) Channels(ctx context.Context, userID string) ([]Channel, error) {
	return s.repo(ctx).channels(userID)
}

// RemoveChannel deletes one of the user's channels; userID "" is the
// administrator's command line, which may remove any.
func (s *Service) RemoveChannel(ctx context.Context, userID, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return ErrChannelNotFound
	}
	owner, err := s.repo(ctx).deleteChannel(userID, id)
	if err != nil {
		return err
	}
	s.cache.forget(owner)
	return nil
}

// TestResult is how one channel took a test notification.
type TestResult struct {
	Channel Channel
	Err     error
}

// SendTest sends a test notification to each of the user's channels (or
// only channelID) now, past the outbox, and reports each outcome.
func (s *Service) SendTest(ctx context.Context, userID, channelID string) ([]TestResult, error) {
	cs, err := s.Channels(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []TestResult
	for _, c := range cs {
		if channelID != "" && c.ID != channelID {
			continue
		}
		m := channel.Message{
			ID: uuid.NewString(), Kind: "test", AgentName: "Omnara", Title: "Test notification from Omnara",
			Body:        fmt.Sprintf("This %s channel works. You will hear here about: %s.", c.Kind, strings.ReplaceAll(c.Events, ",", ", ")),
			InstanceURL: s.deps.BaseURL + "/", Priority: 3, SentAt: s.now(),
		}
		tctx, cancel := context.WithTimeout(ctx, sendTimeout)
		err := s.sender.Send(tctx, targetOf(&c), m)
		cancel()
		out = append(out, TestResult{Channel: c, Err: err})
	}
	if channelID != "" && len(out) == 0 {
		return nil, ErrChannelNotFound
	}
	return out, nil
}

// Prefs returns the user's quiet hours.
func (s *Service) Prefs(ctx context.Context, userID string) (Prefs, error) {
	st, err := s.repo(ctx).userState(userID, s.now())
	if err != nil {
		return Prefs{}, err
	}
	return st.prefs, nil
}

// SetQuietHours saves the quiet window, "22:00" to "07:00" in timeZone;
// equal times turn it off.
func (s *Service) SetQuietHours(ctx context.Context, userID, start, end, timeZone string) error {
	from, err1 := minutes(start)
	to, err2 := minutes(end)
	if err1 != nil || err2 != nil {
		return ErrBadQuietHours
	}
	if _, err := time.LoadLocation(timeZone); err != nil || timeZone == "" {
		timeZone = "UTC"
	}
	if err := s.repo(ctx).savePrefs(&Prefs{UserID: userID, QuietStart: from, QuietEnd: to, TimeZone: timeZone, UpdatedAt: s.now()}); err != nil {
		return err
	}
	s.cache.forget(userID)
	return nil
}

// minutes reads "HH:MM" as minutes after midnight.
func minutes(hhmm string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(hhmm))
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Clock formats minutes after midnight as "HH:MM".
func Clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }
