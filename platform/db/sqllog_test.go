package db_test

import (
	"bytes"
	"context"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/omnara-go/omnara/platform/config"
	"github.com/omnara-go/omnara/platform/db"
	"github.com/omnara-go/omnara/platform/logging"
)

// A failed statement is logged with its SQL but not its values; statements
// that succeed quickly write nothing.
func TestOnlyFailedStatementsAreLogged(t *testing.T) {
	env := map[string]string{"OMNARA_DATA_DIR": t.TempDir()}
	cfg, err := config.Bind(flag.NewFlagSet("test", flag.ContinueOnError), func(k string) string { return env[k] })()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer // statements log from the calling goroutine
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, err := db.Open(ctx, cfg, logging.New(&out, "info", "text"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	if err := d.Gorm.Exec("CREATE TABLE notes (body TEXT NOT NULL)").Error; err != nil {
		t.Fatal(err)
	}
	if err := d.Gorm.Exec("INSERT INTO notes (body) VALUES (?)", "fine").Error; err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := d.Gorm.Table("notes").Count(&n).Error; err != nil || n != 1 {
		t.Fatalf("count = %d, %v", n, err)
	}
	if got := out.String(); got != "" {
		t.Fatalf("successful statements were logged:\n%s", got)
	}

	if err := d.Gorm.Exec("INSERT INTO missing_table (body) VALUES (?)", "secret-value").Error; err == nil {
		t.Fatal("insert into a missing table succeeded")
	}
	got := out.String()
	for _, want := range []string{"SQL executed", "missing_table", "no such table"} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "secret-value") {
		t.Errorf("log shows a statement's value:\n%s", got)
	}
}
