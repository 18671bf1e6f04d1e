package main

import (
	"context"
	"strings"
	"testing"

	"github.com/omnara-go/omnara/platform/dbtest"
)

func TestMigrationsUpDownUp(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		if out := mustOmnara(t, env, "", "migrate", "status"); !strings.Contains(out, "00001_accounts.sql") || !strings.Contains(out, "pending") {
			t.Fatalf("status of a fresh database:\n%s", out)
		}
		out := mustOmnara(t, env, "", "migrate", "up")
		if !strings.Contains(out, "database is at version ") {
			t.Fatalf("migrate up printed %q", out)
		}
		if out := mustOmnara(t, env, "", "migrate", "status"); strings.Contains(out, "pending") {
			t.Fatalf("pending after up:\n%s", out)
		}
		tables := []string{"users", "login_sessions", "api_keys", "server_settings"}
		assertTables(t, env, tables, true)

		// Roll everything back one step at a time, then up again.
		for strings.Contains(mustOmnara(t, env, "", "migrate", "status"), "Z\n") {
			if out := mustOmnara(t, env, "", "migrate", "down"); !strings.HasPrefix(out, "rolled back ") {
				t.Fatalf("migrate down printed %q", out)
			}
		}
		assertTables(t, env, tables, false)
		mustOmnara(t, env, "", "migrate", "up")
		assertTables(t, env, tables, true)

		// A server on the re-created schema works.
		mustOmnara(t, env, "", "user", "add", "--email", "ann@example.com", "--password", "long enough")
		key := strings.TrimSpace(mustOmnara(t, env, "", "token", "create", "--email", "ann@example.com", "--name", "k"))
		srv := startServer(t, env)
		if res := newBrowser(t, srv.URL).getWithKey("/api/v1/auth/verify", key); res.status != 200 {
			t.Fatalf("verify after up/down/up: %d %s", res.status, res.body)
		}
	})
}

func TestServerRefusesASchemaNewerThanItKnows(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		mustOmnara(t, env, "", "migrate", "up")
		store := openStore(t, env)
		if err := store.Gorm.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, true)").Error; err != nil {
			t.Fatal(err)
		}
		r := omnara(t, env, "", "serve")
		if r.code != 1 || !strings.Contains(r.stderr, "database schema is at version 9999, newer than this binary knows (") {
			t.Fatalf("serve on a newer schema: exit %d, %s", r.code, r.stderr)
		}
	})
}

func assertTables(t *testing.T, env map[string]string, tables []string, exist bool) {
	t.Helper()
	store := dbtest.Connect(t, env, nil)
	m := store.Gorm.WithContext(context.Background()).Migrator()
	for _, name := range tables {
		if m.HasTable(name) != exist {
			t.Errorf("table %s exists=%v, want %v", name, !exist, exist)
		}
	}
}
