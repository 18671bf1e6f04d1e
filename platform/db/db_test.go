package db_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/omnara-go/omnara/platform/db"
	"github.com/omnara-go/omnara/platform/dbtest"
	"github.com/omnara-go/omnara/platform/metrics"
)

func open(t *testing.T, env map[string]string, m *metrics.Metrics) *db.DB {
	return dbtest.Open(t, env, m)
}

func TestSQLitePragmasAreSetOnEveryConnection(t *testing.T) {
	d := open(t, map[string]string{"OMNARA_DATA_DIR": t.TempDir()}, nil)
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"busy_timeout": "10000",
		"foreign_keys": "1",
		"synchronous":  "1", // NORMAL
		"temp_store":   "2", // MEMORY
	} {
		var got string
		if err := d.Gorm.Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if strings.ToLower(got) != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}

// Many writers at once, in transactions that read before they write, from
// two handles on one database (a server and a command-line process): none
// may fail, and none may see "database is locked".
func TestConcurrentWritersNeverFail(t *testing.T) {
	for _, target := range dbtest.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			env := target.Env(t)
			m := metrics.New()
			server := open(t, env, m)
			other := open(t, env, nil)

			const writers, each = 64, 10
			var wg sync.WaitGroup
			errs := make(chan error, writers*each)
			for w := range writers {
				handle := server
				if w%8 == 0 {
					handle = other
				}
				wg.Go(func() {
					for i := range each {
						errs <- writeOne(handle, w, i)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			var n int64
			if err := server.Gorm.Table("users").Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n != writers*each {
				t.Fatalf("%d rows written, want %d", n, writers*each)
			}
			if got := counterValue(t, m); got < writers*each {
				t.Errorf("query counter says %v statements, want at least %d", got, writers*each)
			}
		})
	}
}

// writeOne reads, then inserts and updates inside one transaction.
func writeOne(d *db.DB, w, i int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return d.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("users").Count(&n).Error; err != nil {
			return err
		}
		id := uuid.NewString()
		now := time.Now().UTC()
		if err := tx.Exec("INSERT INTO users (id, email, password_hash, created_at, updated_at) VALUES (?, ?, 'x', ?, ?)",
			id, fmt.Sprintf("w%d-%d@example.com", w, i), now, now).Error; err != nil {
			return err
		}
		return tx.Exec("UPDATE users SET display_name = ? WHERE id = ?", fmt.Sprintf("seen %d", n), id).Error
	})
}
