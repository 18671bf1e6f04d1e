package accounts

import (
	"context"
	"time"
)

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
	return s.repo.deleteSessionByHash(ctx, hashToken(token))
}
