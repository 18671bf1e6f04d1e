// Package dbtest gives tests a fresh, real database of each dialect: an
// SQLite file in a temporary folder always, and a PostgreSQL schema of its
// own when OMNARA_TEST_DATABASE_URL is set. On CI (CI set) PostgreSQL is
// required, so a missing database fails instead of skipping silently.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Target is one database a test runs against.
type Target struct {
	Name string // "sqlite" or "postgres"
	// Env returns the environment a server or command needs to use a fresh
	// database of this dialect (OMNARA_DATA_DIR or DATABASE_URL).
	Env func(t testing.TB) map[string]string
}

// Targets lists SQLite and, when configured, PostgreSQL.
func Targets(t testing.TB) []Target {
	t.Helper()
	targets := []Target{{Name: "sqlite", Env: func(t testing.TB) map[string]string {
		return map[string]string{"OMNARA_DATA_DIR": t.TempDir()}
	}}}
	if PostgresURL(t, false) != "" {
		targets = append(targets, Target{Name: "postgres", Env: func(t testing.TB) map[string]string {
			return map[string]string{"DATABASE_URL": PostgresSchema(t), "OMNARA_DATA_DIR": t.TempDir()}
		}})
	}
	return targets
}

// PostgresURL returns the test database URL. Without one it returns "" (or
// skips the test when required), except on CI, where it fails.
func PostgresURL(t testing.TB, required bool) string {
	t.Helper()
	u := os.Getenv("OMNARA_TEST_DATABASE_URL")
	if u != "" {
		return u
	}
	if os.Getenv("CI") != "" {
		t.Fatal("OMNARA_TEST_DATABASE_URL must point at PostgreSQL on CI")
	}
	if required {
		t.Skip("OMNARA_TEST_DATABASE_URL is not set; PostgreSQL tests skipped")
	}
	return ""
}

// PostgresSchema creates a schema for this test alone and returns a
// connection URL whose search_path selects it; the schema is dropped when
// the test ends.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t, true)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	ident := pgx.Identifier{schema}.Sanitize()
	Exec(t, base, "CREATE SCHEMA "+ident)
	t.Cleanup(func() { Exec(t, base, "DROP SCHEMA "+ident+" CASCADE") })
	return WithSearchPath(t, base, schema)
}

// Exec runs one statement on a short-lived connection.
func Exec(t testing.TB, connString, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatalf("connect to test PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// WithSearchPath adds a search_path runtime parameter to a connection URL.
func WithSearchPath(t testing.TB, connString, schema string) string {
	t.Helper()
	u, err := url.Parse(connString)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("OMNARA_TEST_DATABASE_URL must be a postgres:// URL, got %q", connString)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
