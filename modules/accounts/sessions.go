package accounts

import (
	"context"
	"time"

	"github.com/omnara-go/omnara/platform/events"
)

// EventSessionsEnded announces that some of a user's sessions were signed
// out; live streams of that user re-check their own.
const EventSessionsEnded events.Kind = "sessions.ended"

const (
	sessionLifetime = 30 * 24 * time.Hour
	// sessionTouchPeriod limits writes: last-seen is kept to the minute,
	// not updated on every page.
	sessionTouchPeriod = 5 * time.Minute
)

// CreateSession signs a browser in and returns the cookie token.
func (s *Service) CreateSession(ctx context.Context, userID, userAgent, ip string) (string, *LoginSession, error) {
	token := randomToken()
	now := s.now()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	ls := &LoginSession{
		ID: newID(), UserID: userID, TokenHash: hashToken(token),
		UserAgent: userAgent, IP: ip,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(sessionLifetime),
	}
	if err := s.repo.createSession(ctx, ls); err != nil {
		return "", nil, err
	}
	return token, ls, nil
}

// SessionUser resolves a cookie token to its user.
func (s *Service) SessionUser(ctx context.Context, token string) (*User, *LoginSession, error) {
	if token == "" {
		return nil, nil, ErrSessionNotFound
	}
	now := s.now()
	ls, err := s.repo.sessionByHash(ctx, hashToken(token), now)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.repo.userByID(ctx, ls.UserID)
	if err != nil {
		return nil, nil, err
	}
	if now.Sub(ls.LastSeenAt) > sessionTouchPeriod {
		if err := s.repo.touchSession(ctx, ls.UserID, ls.ID, now); err != nil {
			s.logger.Warn("could not record session activity", "err", err)
		}
	}
	return u, ls, nil
}

// EndSession signs a browser out.
func (s *Service) EndSession(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	userID, err := s.repo.deleteSessionByHash(ctx, hashToken(token))
	if err == nil && userID != "" {
		s.sessionsEnded(ctx, userID)
	}
	return err
}

// Sessions lists the user's signed-in browsers, most recently seen first.
func (s *Service) Sessions(ctx context.Context, userID string) ([]LoginSession, error) {
	return s.repo.sessionsOf(ctx, userID, s.now())
}

// EndSessionByID signs one of the user's browsers out.
func (s *Service) EndSessionByID(ctx context.Context, userID, sessionID string) error {
	n, err := s.repo.deleteSessions(ctx, userID, sessionID, "")
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrSessionNotFound
	}
	s.sessionsEnded(ctx, userID)
	return nil
}

// EndAllSessions signs every browser of the user out, this one included.
func (s *Service) EndAllSessions(ctx context.Context, userID string) error {
	return s.endSessions(ctx, userID, "")
}

// endSessions deletes the user's sessions except keep ("" = none).
func (s *Service) endSessions(ctx context.Context, userID, keep string) error {
	if _, err := s.repo.deleteSessions(ctx, userID, "", keep); err != nil {
		return err
	}
	s.sessionsEnded(ctx, userID)
	return nil
}

// sessionsEnded tells open live streams to re-check their session, so a
// signed-out browser stops receiving updates at once, on every instance.
func (s *Service) sessionsEnded(ctx context.Context, userID string) {
	if s.broker == nil {
		return
	}
	if err := s.broker.Publish(context.WithoutCancel(ctx), events.Event{Kind: EventSessionsEnded, UserID: userID}); err != nil {
		s.logger.Warn("could not announce ended sessions", "err", err)
	}
}

// SessionValid reports whether the session still exists and has not
// expired.
func (s *Service) SessionValid(ctx context.Context, userID, sessionID string) (bool, error) {
	return s.repo.sessionExists(ctx, userID, sessionID, s.now())
}
