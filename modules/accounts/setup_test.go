package accounts

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// Several people (or instances) racing on one setup link: exactly one
// account is created.
func TestSetupRaceCreatesOneAccount(t *testing.T) {
	eachService(t, func(t *testing.T, s *Service) {
		ctx := context.Background()
		token, err := s.OpenSetup(ctx)
		if err != nil || token == "" {
			t.Fatalf("OpenSetup on an empty database: %q %v", token, err)
		}
		var wg sync.WaitGroup
		results := make(chan error, 8)
		for i := range 8 {
			wg.Go(func() {
				_, err := s.CompleteSetup(ctx, token, fmt.Sprintf("owner%d@example.com", i), "long enough", "")
				results <- err
			})
		}
		wg.Wait()
		close(results)
		created := 0
		for err := range results {
			switch {
			case err == nil:
				created++
			case !errors.Is(err, ErrSetupUnavailable):
				t.Errorf("unexpected error: %v", err)
			}
		}
		n, err := s.repo.countUsers(ctx)
		if created != 1 || n != 1 || err != nil {
			t.Fatalf("%d setups succeeded and %d users exist, want 1 and 1 (%v)", created, n, err)
		}
		if token, _ := s.OpenSetup(ctx); token != "" {
			t.Error("setup reopened after the first account")
		}
	})
}

// A second server process on the same database shares the API key signing
// key, so keys from one verify on the other.
func TestInstancesShareTheSigningKey(t *testing.T) {
	eachService(t, func(t *testing.T, s *Service) {
		ctx := context.Background()
		other, err := NewService(ctx, s.repo.db, s.logger, nil)
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.CreateUser(ctx, "ann@example.com", "long enough", "")
		if err != nil {
			t.Fatal(err)
		}
		key, _, err := s.CreateAPIKey(ctx, u.ID, "k")
		if err != nil {
			t.Fatal(err)
		}
		p, err := other.VerifyAPIKey(ctx, key)
		if err != nil || p.UserID != u.ID {
			t.Fatalf("key from one instance on another: %+v %v", p, err)
		}
	})
}
