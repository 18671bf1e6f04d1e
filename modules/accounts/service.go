package accounts

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/omnara-go/omnara/platform/events"
)

// Service holds the account rules: users, passwords, login sessions, API
// keys and the one-time setup.
type Service struct {
	repo     repo
	logger   *slog.Logger
	broker   events.Broker // nil: no live streams to tell
	now      func() time.Time
	signer   ed25519.PrivateKey
	keys     keyCache
	byEmail  *throttle
	byClient *throttle
	setup    setupToken
	// hashing bounds concurrent password hashes: each takes 19 MiB, so a
	// burst of sign-ins queues instead of exhausting memory.
	hashing chan struct{}
}

// NewService loads (or on first start creates) the API key signing key.
func NewService(ctx context.Context, db *gorm.DB, logger *slog.Logger, broker events.Broker) (*Service, error) {
	s := &Service{
		repo:   repo{db},
		logger: logger,
		broker: broker,
		now:    func() time.Time { return time.Now().UTC() },
		// Five failures per account, then one try a minute; a single
		// client gets more room because it may serve several people.
		byEmail:  newThrottle(time.Minute, 5, 10000),
		byClient: newThrottle(6*time.Second, 20, 10000),
		hashing:  make(chan struct{}, 2),
	}
	if err := s.loadSigningKey(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// NormalizeEmail trims and lower-cases an address and checks its shape.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return "", ErrInvalidEmail
	}
	return email, nil
}

func validatePassword(password string) error {
	switch {
	case len(password) < 8:
		return ErrWeakPassword
	case len(password) > 1024:
		return ErrPasswordTooLong
	}
	return nil
}

func (s *Service) newUser(email, password, name string) (*User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if err := validatePassword(password); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if len(name) > 200 {
		return nil, ErrDisplayNameTooLong
	}
	hash, err := hashPassword(password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	return &User{ID: newID(), Email: email, DisplayName: name, TimeZone: "UTC", PasswordHash: hash, CreatedAt: now, UpdatedAt: now}, nil
}

// CreateUser adds an account.
func (s *Service) CreateUser(ctx context.Context, email, password, name string) (*User, error) {
	u, err := s.newUser(email, password, name)
	if err != nil {
		return nil, err
	}
	if err := s.repo.createUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// UserByEmail finds an account by its (normalized) email.
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	return s.repo.userByEmail(ctx, email)
}

// UserByID finds an account by id.
func (s *Service) UserByID(ctx context.Context, id string) (*User, error) {
	return s.repo.userByID(ctx, id)
}

// HasUsers reports whether any account exists.
func (s *Service) HasUsers(ctx context.Context) (bool, error) {
	n, err := s.repo.countUsers(ctx)
	return n > 0, err
}

// Authenticate checks a password. Failures are throttled per account and
// per client; a throttled caller gets ErrThrottled and the wait.
func (s *Service) Authenticate(ctx context.Context, email, password, client string) (*User, time.Duration, error) {
	now := s.now()
	email = strings.ToLower(strings.TrimSpace(email))
	if blocked, wait := s.byEmail.blocked(email, now); blocked {
		return nil, wait, ErrThrottled
	}
	if blocked, wait := s.byClient.blocked(client, now); blocked {
		return nil, wait, ErrThrottled
	}
	u, err := s.repo.userByEmail(ctx, email)
	if err != nil && err != ErrUserNotFound {
		return nil, 0, err
	}
	hash := dummyHash()
	if u != nil {
		hash = u.PasswordHash
	}
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	ok := checkPassword(password, hash)
	<-s.hashing
	if !ok || u == nil {
		s.byEmail.fail(email, now)
		s.byClient.fail(client, now)
		return nil, 0, ErrBadCredentials
	}
	return u, 0, nil
}
