// Package events is the broker through which every write announces itself, so
// that waiters (agents blocked on a question, dashboard SSE streams) wake up
// without polling.
//
// Events are hints; the database is the truth. A receiver that wakes re-reads
// the database, so payloads carry ids only and a lost or dropped event costs
// at most a delay, never correctness. Waiters must subscribe first, then check
// the database, then wait, so that a write landing between the check and the
// wait is not missed.
package events

import (
	"context"
	"errors"
)

// Kind names what happened. Writers define their own kinds; the broker only
// interprets KindResync.
type Kind string

// KindResync is delivered to every subscriber after the broker (re)connects to
// PostgreSQL's LISTEN: receivers must re-check the database because events may
// have been missed.
const KindResync Kind = "resync"

// Event is the wire format of a notification. Short JSON keys keep payloads
// far below PostgreSQL's 8 kB NOTIFY limit.
type Event struct {
	Kind       Kind   `json:"k"`
	UserID     string `json:"u"`
	InstanceID string `json:"i,omitempty"`
	MessageID  string `json:"m,omitempty"`
	Seq        int64  `json:"s,omitempty"`
}

// Filter selects events for a subscription. An empty field matches any value;
// a KindResync event matches every filter.
type Filter struct {
	UserID, InstanceID string
	// Kind narrows a subscription to one kind, so a worker that waits for
	// one signal is not flooded by every other event.
	Kind Kind
}

// Match reports whether ev should be delivered to a subscription with f.
func (f Filter) Match(ev Event) bool {
	if ev.Kind == KindResync {
		return true
	}
	return (f.UserID == "" || f.UserID == ev.UserID) &&
		(f.InstanceID == "" || f.InstanceID == ev.InstanceID) &&
		(f.Kind == "" || f.Kind == ev.Kind)
}

// ErrClosed is returned by Publish after the broker has been closed.
var ErrClosed = errors.New("events: broker closed")

// Broker fans events out to subscribers, possibly across processes.
type Broker interface {
	// Publish announces events, in order, in one go. It never waits for
	// subscribers.
	Publish(ctx context.Context, evs ...Event) error
	// Subscribe registers a subscription; the caller must Close it.
	Subscribe(f Filter) *Subscription
	// Wake subscribes a waiter, which only needs to know that something
	// happened before it re-reads the database: it keeps at most one
	// pending event, so thousands of waiters cost little memory.
	Wake(f Filter) *Subscription
	// Subscribers returns the current number of open subscriptions.
	Subscribers() int
	// Close stops the broker and closes the channel of every remaining
	// subscription, so that waiters wake and see the shutdown. It is
	// idempotent.
	Close() error
}

// TxPublisher is a Broker whose events a writer can send from inside its
// own database transaction: they go out exactly when it commits, and cost
// neither a statement nor a commit of their own.
type TxPublisher interface {
	// PublishStatement returns the SQL statement, and its arguments, that
	// announces evs in order when the enclosing transaction commits.
	PublishStatement(evs ...Event) (sql string, args []any, err error)
}

// Compile-time checks that both implementations satisfy Broker.
var (
	_ Broker      = (*Memory)(nil)
	_ Broker      = (*Postgres)(nil)
	_ TxPublisher = (*Postgres)(nil)
)

// validate rejects events no receiver could act on.
func validate(ev Event) error {
	if ev.Kind == "" {
		return errors.New("events: event has no kind")
	}
	return nil
}
