package accounts

import (
	"context"
	"flag"
	"io"
	"testing"
	"time"

	"github.com/omnara-go/omnara/platform/config"
	"github.com/omnara-go/omnara/platform/db"
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
	cfg, err := config.Bind(flag.NewFlagSet("test", flag.ContinueOnError), func(k string) string { return env[k] })()
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	logger := logging.New(io.Discard, "error", "text")
	d, err := db.Open(ctx, cfg, logger, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx, logger); err != nil {
		tb.Fatal(err)
	}
	s, err := NewService(ctx, d.Gorm, logger)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
