package agents

import (
	"context"
	"time"

	"github.com/omnara-go/omnara/platform/events"
)

// MaxWait bounds every blocking call.
const MaxWait = 300 * time.Second

// waitFor runs check until it reports done, the wait runs out, the client
// goes away or the server stops. It subscribes before the first check, so
// a change committed between a check and the wait still wakes it; it never
// polls. It returns ctx's error when the caller is gone and ErrStopping
// when the server shuts down.
func (s *Service) waitFor(ctx context.Context, userID, instanceID string, wait time.Duration, check func() (bool, error)) error {
	if wait <= 0 {
		_, err := check()
		return err
	}
	wait = min(wait, MaxWait)
	sub := s.broker.Wake(events.Filter{UserID: userID, InstanceID: instanceID})
	defer sub.Close()
	s.waits.Add(1)
	defer s.waits.Add(-1)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		select {
		case _, open := <-sub.C():
			if !open { // the broker closed: the server is stopping
				return ErrStopping
			}
			drain(sub)
		case <-timer.C:
			return nil
		case <-s.stopping:
			return ErrStopping
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// drain drops wake-ups already queued: one re-check covers them all.
func drain(sub *events.Subscription) {
	for {
		select {
		case _, open := <-sub.C():
			if !open {
				return
			}
		default:
			return
		}
	}
}

// Waiting reports how many calls are blocked in a wait right now.
func (s *Service) Waiting() int64 { return s.waits.Load() }
