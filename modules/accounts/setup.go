package accounts

import (
	"context"
	"crypto/subtle"
	"sync"
)

// setupToken is the secret of the one-time setup link. It lives only in
// this process's memory; the database marker makes it work once across all
// instances.
type setupToken struct {
	mu    sync.Mutex
	value string
}

func (t *setupToken) matches(v string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.value != "" && subtle.ConstantTimeCompare([]byte(t.value), []byte(v)) == 1
}

func (t *setupToken) set(v string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.value = v
}

// OpenSetup returns a fresh setup token when no account exists yet, or ""
// when setup is over.
func (s *Service) OpenSetup(ctx context.Context) (string, error) {
	has, err := s.HasUsers(ctx)
	if err != nil || has {
		return "", err
	}
	if _, err := s.repo.setting(ctx, settingSetupDone); err == nil {
		return "", nil
	}
	token := randomToken()
	s.setup.set(token)
	return token, nil
}

// SetupValid reports whether token opens the setup page right now.
func (s *Service) SetupValid(ctx context.Context, token string) bool {
	if !s.setup.matches(token) {
		return false
	}
	has, err := s.HasUsers(ctx)
	return err == nil && !has
}

// CompleteSetup creates the first account with the setup token; the token
// dies whatever the outcome of the race with other instances.
func (s *Service) CompleteSetup(ctx context.Context, token, email, password, name string) (*User, error) {
	if !s.setup.matches(token) {
		return nil, ErrSetupUnavailable
	}
	u, err := s.newUser(email, password, name)
	if err != nil {
		return nil, err
	}
	if err := s.repo.completeSetup(ctx, u, s.now()); err != nil {
		if err == ErrSetupUnavailable {
			s.setup.set("")
		}
		return nil, err
	}
	s.setup.set("")
	return u, nil
}
