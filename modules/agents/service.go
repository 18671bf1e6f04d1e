// Package agents is the domain of agent sessions: agent types, instances,
// their messages, questions and answers, and the waiting that wakes an
// agent the moment a person answers.
package agents

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/omnara-go/omnara/platform/events"
)

// Deps is what the agents service needs.
type Deps struct {
	DB     *gorm.DB
	Broker events.Broker
	Logger *slog.Logger
	// Stopping is closed when the server shuts down: waits end at once.
	Stopping <-chan struct{}
	// WebhookClient sends user-message webhooks; nil uses a 10 s client.
	WebhookClient *http.Client
	// Notifier stores notifications with the messages they announce.
	Notifier Notifier
}

// Service holds the rules of agent sessions.
type Service struct {
	repo     repo
	broker   events.Broker
	logger   *slog.Logger
	stopping <-chan struct{}
	webhooks *webhookSender
	ingest   *ingester
	notifier Notifier
	waits    atomic.Int64
	now      func() time.Time
}

// NewService builds the service and starts its webhook workers; Close
// stops them.
func NewService(d Deps) *Service {
	s := &Service{
		repo: repo{d.DB}, broker: d.Broker, logger: d.Logger, stopping: d.Stopping, notifier: d.Notifier,
		// Microseconds: what both databases keep and what clients are shown.
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	s.webhooks = newWebhookSender(s, d.WebhookClient)
	writers := 1 // SQLite writes through one connection
	if s.repo.postgres() {
		writers = 2
	}
	s.ingest = newIngester(s, writers)
	return s
}

// Close finishes queued writes and webhook deliveries, then stops.
func (s *Service) Close() {
	s.ingest.close()
	s.webhooks.close()
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// ParseID checks a client-supplied id is a UUID and returns its canonical
// lower-case form.
func ParseID(id string) (string, bool) {
	u, err := uuid.Parse(strings.TrimSpace(id))
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// normalizeAgentType is how agent types are matched: trimmed, lower-cased.
func normalizeAgentType(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// Event kinds published by this module. Payloads carry ids only.
// message.created also means the message's instance changed (its status
// and read pointer move with every message); instance.updated announces
// changes without a new message (end, pointer advanced, request-input).
const (
	EventMessageCreated  events.Kind = "message.created"
	EventMessageUpdated  events.Kind = "message.updated"
	EventInstanceCreated events.Kind = "instance.created"
	EventInstanceUpdated events.Kind = "instance.updated"
	EventInstanceDeleted events.Kind = "instance.deleted"
	EventGitDiffUpdated  events.Kind = "gitdiff.updated"
	EventHeartbeat       events.Kind = "heartbeat"
	// EventNotified: notifications were stored; delivery workers wake.
	EventNotified events.Kind = "notify.queued"
)

// publish announces committed writes, all in one go. A failure is logged,
// never returned: the data is safe in the database and waiters re-check it
// on resync.
func (s *Service) publish(ctx context.Context, evs ...events.Event) {
	if err := s.broker.Publish(context.WithoutCancel(ctx), evs...); err != nil {
		s.logger.Warn("could not publish events", "count", len(evs), "err", err)
	}
}

// publishInTx announces evs from inside the transaction r when the broker
// can (PostgreSQL: the NOTIFY goes out with the COMMIT, with no statement or
// commit of its own), and reports whether it did; if not, the caller
// publishes once the transaction has committed.
func (s *Service) publishInTx(ctx context.Context, r repo, evs ...events.Event) (bool, error) {
	tp, ok := s.broker.(events.TxPublisher)
	if !ok || len(evs) == 0 {
		return false, nil
	}
	sql, args, err := tp.PublishStatement(evs...)
	if err != nil {
		return false, err
	}
	return true, r.db.WithContext(ctx).Exec(sql, args...).Error
}

// compactJSON validates a JSON object given by a client and returns it as
// stored text; nil or JSON null store nothing.
func compactJSON(raw json.RawMessage) *string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	s := string(raw)
	return &s
}
