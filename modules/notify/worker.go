package notify

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"github.com/omnara-go/omnara/modules/notify/channel"
	"github.com/omnara-go/omnara/platform/events"
)

const (
	maxAttempts = 8
	maxBackoff  = 10 * time.Minute
	claimBatch  = 32
	// lease outlasts sendTimeout, so a claim never lapses while its
	// delivery is still being sent.
	lease       = 60 * time.Second
	sendTimeout = 20 * time.Second
	senders     = 8
	// sweep catches deliveries whose wake-up event was lost (another
	// instance wrote them while the listen connection was down).
	sweep = time.Minute
)

// stats are counted in memory so /metrics costs no query.
type stats struct {
	delivered, retried, failed atomic.Int64
}

// Stats returns deliveries done, retries scheduled and deliveries given up.
func (s *Service) Stats() (delivered, retried, failed int64) {
	return s.stats.delivered.Load(), s.stats.retried.Load(), s.stats.failed.Load()
}

// Start runs the delivery worker until Close.
func (s *Service) Start() {
	sub := s.deps.Broker.Wake(events.Filter{Kind: s.deps.WakeKind})
	s.done.Go(func() {
		defer sub.Close()
		s.run(sub)
	})
}

// Close stops the worker after the deliveries in hand.
func (s *Service) Close() {
	close(s.stop)
	s.done.Wait()
}

func (s *Service) run(sub *events.Subscription) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-s.stop; cancel() }()
	for {
		n, err := s.deliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			s.logger.Warn("notification delivery failed", "err", err)
		}
		if n == claimBatch {
			continue // more may be due
		}
		wait := sweep
		if at, ok, err := s.repo(ctx).nextDue(); err == nil && ok {
			wait = min(max(time.Until(at), 0), sweep)
		}
		if n > 0 || err != nil {
			wait = min(wait, time.Second) // what failed to claim may be due again soon
		}
		// A Wake subscription holds one pending signal: a notification
		// stored while the batch above was sent is not missed.
		timer := time.NewTimer(wait)
		select {
		case <-s.stop:
			timer.Stop()
			return
		case <-timer.C:
		case _, ok := <-sub.C(): // the wake-up kind, or a resync
			timer.Stop()
			if !ok {
				return
			}
		}
	}
}

// deliverDue claims due deliveries and sends them, a few at a time.
func (s *Service) deliverDue(ctx context.Context) (int, error) {
	batch, err := s.repo(ctx).claim(s.now(), lease, claimBatch)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, senders)
	for _, d := range batch {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			s.deliver(ctx, d)
		})
	}
	wg.Wait()
	return len(batch), nil
}

// deliver sends one claimed delivery and records the outcome.
func (s *Service) deliver(ctx context.Context, d claimed) {
	r := s.repo(context.WithoutCancel(ctx))
	err := s.sendOne(ctx, r, d)
	now := s.now()
	switch {
	case err == nil:
		s.stats.delivered.Add(1)
		err = r.finish(d, map[string]any{"status": statusDelivered, "delivered_at": now, "claimed_until": nil, "last_error": ""})
	case ctx.Err() != nil:
		// Shutting down: free the claim untouched, so the next start retries.
		err = r.finish(d, map[string]any{"claimed_until": nil, "attempts": gorm.Expr("attempts - 1")})
	case channel.IsPermanent(err) || errors.Is(err, gorm.ErrRecordNotFound) || d.Attempts >= maxAttempts:
		s.stats.failed.Add(1)
		s.logger.Warn("notification not delivered", "channel", d.ChannelID, "attempts", d.Attempts, "err", err)
		if channel.IsGone(err) {
			// The browser unsubscribed: stop trying it.
			if derr := r.disableChannel(d.ChannelID); derr != nil {
				s.logger.Warn("could not disable a channel", "err", derr)
			}
			s.cache.forget(d.UserID)
		}
		err = r.finish(d, map[string]any{"status": statusFailed, "claimed_until": nil, "last_error": truncate(err.Error(), 500)})
	default:
		s.stats.retried.Add(1)
		// A receiver that said when to come back (Retry-After) is heeded.
		wait := max(backoff(s.deps.RetryBase, d.Attempts), min(channel.RetryAfter(err), maxBackoff))
		err = r.finish(d, map[string]any{"next_attempt_at": now.Add(wait), "claimed_until": nil, "last_error": truncate(err.Error(), 500)})
	}
	if err != nil {
		s.logger.Warn("could not record a delivery", "err", err)
	}
}

// backoff is the wait before attempt+1: exponential with full jitter.
func backoff(base time.Duration, attempt int) time.Duration {
	d := min(base<<min(attempt-1, 20), maxBackoff)
	return d/2 + rand.N(d/2+1)
}

// sendOne builds the message and sends it.
func (s *Service) sendOne(ctx context.Context, r repo, d claimed) error {
	n, err := r.notification(d.NotificationID)
	if err != nil {
		return err
	}
	c, err := r.channel(d.ChannelID)
	if err != nil {
		return err
	}
	m, err := s.message(ctx, n)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	return s.sender.Send(ctx, targetOf(c), m)
}

func targetOf(c *Channel) channel.Target {
	return channel.Target{Kind: c.Kind, URL: c.URL, Token: c.Token, P256dh: c.PushP256dh, Auth: c.PushAuth}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
