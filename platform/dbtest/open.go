package dbtest

import (
	"context"
	"flag"
	"io"
	"testing"
	"time"

	"github.com/omnara-go/omnara/platform/config"
	"github.com/omnara-go/omnara/platform/db"
	"github.com/omnara-go/omnara/platform/logging"
	"github.com/omnara-go/omnara/platform/metrics"
)

// Open opens and migrates the database env selects (see Target.Env), as a
// server process would; it closes when the test ends. m may be nil.
func Open(tb testing.TB, env map[string]string, m *metrics.Metrics) *db.DB {
	tb.Helper()
	d := Connect(tb, env, m)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := d.Migrate(ctx, logging.New(io.Discard, "error", "text")); err != nil {
		tb.Fatal(err)
	}
	return d
}

// Connect opens the database env selects without touching its schema.
func Connect(tb testing.TB, env map[string]string, m *metrics.Metrics) *db.DB {
	tb.Helper()
	cfg, err := config.Bind(flag.NewFlagSet("test", flag.ContinueOnError), func(k string) string { return env[k] })()
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	logger := logging.New(io.Discard, "error", "text")
	d, err := db.Open(ctx, cfg, logger, m)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}
