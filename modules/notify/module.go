// Package notify tells people about their agents away from the screen:
// an outbox written with each message, delivery workers with retries, the
// channels (Web Push, ntfy, email, webhooks) and one-use answer links.
package notify

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/omnara-go/omnara/modules/notify/channel"
	"github.com/omnara-go/omnara/platform/events"
)

// Labels names sessions for people; the agents module provides it.
type Labels interface {
	Label(ctx context.Context, userID, instanceID string) (string, error)
}

// Deps is what the notify module needs.
type Deps struct {
	DB      *gorm.DB
	Broker  events.Broker
	Logger  *slog.Logger
	Labels  Labels
	BaseURL string
	SMTP    channel.SMTP
	// WakeKind is the event the agents module publishes after storing
	// notifications.
	WakeKind events.Kind
	// HTTPClient sends to HTTP channels; nil uses a 10 s client.
	HTTPClient *http.Client
	// RetryBase is the first retry's delay (doubled each time, with
	// jitter); Coalesce is how long a step waits for more steps.
	RetryBase, Coalesce time.Duration
	// LinkLifetime is how long an answer link works.
	LinkLifetime time.Duration
}

// Service is the notify module.
type Service struct {
	deps     Deps
	db       *gorm.DB
	logger   *slog.Logger
	sender   *channel.Sender
	cache    *userCache
	linkKey  []byte
	vapid    channel.VAPID
	now      func() time.Time
	coalesce time.Duration
	stats    stats
	stop     chan struct{}
	done     sync.WaitGroup
}

// New loads (or on first start creates) the Web Push keys and the answer
// link key.
func New(ctx context.Context, d Deps) (*Service, error) {
	if d.RetryBase <= 0 {
		d.RetryBase = 2 * time.Second
	}
	if d.LinkLifetime <= 0 {
		d.LinkLifetime = 7 * 24 * time.Hour
	}
	s := &Service{
		deps: d, db: d.DB, logger: d.Logger, cache: newUserCache(10000), coalesce: d.Coalesce,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }, stop: make(chan struct{}),
	}
	if err := s.loadKeys(ctx); err != nil {
		return nil, err
	}
	client := d.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	s.sender = channel.New(client, d.SMTP, s.vapid)
	return s, nil
}

func (s *Service) repo(ctx context.Context) repo { return repo{s.db.WithContext(ctx)} }

// VAPIDPublicKey is what a browser needs to subscribe to Web Push.
func (s *Service) VAPIDPublicKey() string { return s.vapid.PublicKey }
