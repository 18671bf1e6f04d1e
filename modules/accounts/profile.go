package accounts

import (
	"context"
	"strings"
	"time"
	_ "time/tzdata" // zones work on machines without /usr/share/zoneinfo
)

// Location returns the user's time zone, UTC when unset or unknown.
func (u *User) Location() *time.Location {
	if loc, err := time.LoadLocation(u.TimeZone); err == nil && u.TimeZone != "" {
		return loc
	}
	return time.UTC
}

// Name is how pages greet the user: the display name, else the email.
func (u *User) Name() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Email
}

// UpdateProfile changes the display name and time zone.
func (s *Service) UpdateProfile(ctx context.Context, userID, displayName, timeZone string) (*User, error) {
	displayName = strings.TrimSpace(displayName)
	if len(displayName) > 200 {
		return nil, ErrDisplayNameTooLong
	}
	timeZone = strings.TrimSpace(timeZone)
	// "Local" would mean the server's zone, which is nobody's.
	if _, err := time.LoadLocation(timeZone); err != nil || timeZone == "" || timeZone == "Local" {
		return nil, ErrUnknownTimeZone
	}
	if err := s.repo.updateUser(ctx, userID, map[string]any{"display_name": displayName, "time_zone": timeZone, "updated_at": s.now()}); err != nil {
		return nil, err
	}
	return s.repo.userByID(ctx, userID)
}

// ChangePassword replaces the password after checking the current one, and
// signs out every other browser: whoever knew the old password loses access.
func (s *Service) ChangePassword(ctx context.Context, userID, current, next, keepSessionID string) error {
	u, err := s.repo.userByID(ctx, userID)
	if err != nil {
		return err
	}
	if err := validatePassword(next); err != nil {
		return err
	}
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	ok := checkPassword(current, u.PasswordHash)
	var hash string
	if ok {
		hash, err = hashPassword(next)
	}
	<-s.hashing
	if !ok {
		return ErrWrongPassword
	}
	if err != nil {
		return err
	}
	if err := s.repo.updateUser(ctx, userID, map[string]any{"password_hash": hash, "updated_at": s.now()}); err != nil {
		return err
	}
	return s.endSessions(ctx, userID, keepSessionID)
}
