package accounts

import (
	"context"
	"testing"

	"github.com/omnara-go/omnara/platform/dbtest"
)

// BenchmarkVerifyAPIKey measures the check every agent request pays: a
// signature check plus a cached lookup (cold: the lookup hits the database).
func BenchmarkVerifyAPIKey(b *testing.B) {
	for _, target := range dbtest.Targets(b) {
		s := newService(b, target.Env(b))
		ctx := context.Background()
		u, err := s.CreateUser(ctx, "bench@example.com", "long enough", "")
		if err != nil {
			b.Fatal(err)
		}
		key, _, err := s.CreateAPIKey(ctx, u.ID, "bench")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(target.Name+"/cached", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.VerifyAPIKey(ctx, key); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(target.Name+"/database", func(b *testing.B) {
			for b.Loop() {
				s.keys.forget(hashToken(key))
				if _, err := s.VerifyAPIKey(ctx, key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
