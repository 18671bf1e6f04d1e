package accounts

import (
	"context"
	"io"
	"testing"

	"github.com/omnara-go/omnara/platform/dbtest"
	"github.com/omnara-go/omnara/platform/logging"
)

// eachService runs f with a Service on a fresh, migrated database of every
// dialect under test.
func eachService(t *testing.T, f func(t *testing.T, s *Service)) {
	for _, target := range dbtest.Targets(t) {
		t.Run(target.Name, func(t *testing.T) { f(t, newService(t, target.Env(t))) })
	}
}

func newService(tb testing.TB, env map[string]string) *Service {
	tb.Helper()
	d := dbtest.Open(tb, env, nil)
	s, err := NewService(context.Background(), d.Gorm, logging.New(io.Discard, "error", "text"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
