// Package db opens the server's database (embedded SQLite or PostgreSQL)
// through GORM and keeps its schema migrated.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"

	"github.com/omnara-go/omnara/platform/config"
	"github.com/omnara-go/omnara/platform/metrics"
)

// Dialects, as used for the migrations folders.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is the open database with the dialect it speaks.
type DB struct {
	Gorm    *gorm.DB
	Dialect string
	sql     *sql.DB
}

// Open connects to the database the config selects. It does not migrate.
// m may be nil (command-line use); when set, every statement is counted.
func Open(ctx context.Context, cfg config.Config, logger *slog.Logger, m *metrics.Metrics) (*DB, error) {
	d := &DB{Dialect: SQLite}
	var dialector gorm.Dialector
	if cfg.Postgres() {
		d.Dialect = Postgres
		dialector = postgres.Open(cfg.DatabaseURL)
	} else {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder %s: %w", cfg.DataDir, err)
		}
		dialector = sqlite.Open(sqliteDSN(cfg.SQLitePath()))
	}
	g, err := gorm.Open(dialector, &gorm.Config{
		NowFunc:        func() time.Time { return time.Now().UTC() },
		TranslateError: true,
		// A lone INSERT, UPDATE or DELETE is atomic on its own; GORM's
		// default BEGIN/COMMIT around it costs two more round trips.
		// Multi-statement writes use explicit transactions.
		SkipDefaultTransaction: true,
		// No PrepareStmt: GORM prepares under a global lock while waiting
		// for a connection, which deadlocks against a transaction holding
		// SQLite's single connection (found by BenchmarkWake).
		Logger: newSQLLog(gormlogger.NewSlogLogger(logger, gormlogger.Config{
			SlowThreshold:             slowQuery,
			LogLevel:                  gormlogger.Warn,
			IgnoreRecordNotFoundError: true,
		})),
	})
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", d.Dialect, err)
	}
	d.Gorm = g
	if d.sql, err = g.DB(); err != nil {
		return nil, err
	}
	if d.Dialect == SQLite {
		// One connection: writes in this process queue in Go instead of
		// racing for SQLite's lock, so "database is locked" cannot happen
		// here; other processes (CLI commands) wait on busy_timeout.
		d.sql.SetMaxOpenConns(1)
	} else {
		// As many idle connections as open ones: a smaller idle pool
		// closes connections at every burst and opens them again at the
		// next, and a new PostgreSQL connection costs a process fork and
		// milliseconds (378 reconnects in one 50-agent wake run).
		d.sql.SetMaxOpenConns(20)
		d.sql.SetMaxIdleConns(20)
		d.sql.SetConnMaxIdleTime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := d.sql.PingContext(pingCtx); err != nil {
		d.sql.Close()
		return nil, fmt.Errorf("reach %s database: %w", d.Dialect, err)
	}
	if m != nil {
		if err := countQueries(g, m); err != nil {
			d.sql.Close()
			return nil, err
		}
	}
	return d, nil
}

// sqliteDSN sets the pragmas on every connection the driver opens. _txlock
// makes transactions take the write lock up front, so two writers wait on
// busy_timeout instead of one failing when it upgrades from read to write.
func sqliteDSN(path string) string {
	return "file:" + path +
		"?_pragma=journal_mode(WAL)" +
		"&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)" +
		"&_pragma=mmap_size(268435456)" +
		"&_pragma=cache_size(-32000)" +
		// Statement journals (a multi-row INSERT keeps one to undo itself
		// alone) stay in memory instead of spilling to a temporary file:
		// the spill's write calls were a third of a batch insert's time.
		"&_pragma=temp_store(MEMORY)" +
		"&_txlock=immediate"
}

// Ping checks that the database answers within the context's deadline.
func (d *DB) Ping(ctx context.Context) error { return d.sql.PingContext(ctx) }

// Close releases every connection.
func (d *DB) Close() error { return d.sql.Close() }

// countQueries adds a callback after each kind of statement GORM runs.
func countQueries(g *gorm.DB, m *metrics.Metrics) error {
	inc := func(*gorm.DB) { m.DBQueries.Inc() }
	cb := g.Callback()
	return errors.Join(
		cb.Create().After("gorm:create").Register("omnara:count", inc),
		cb.Query().After("gorm:query").Register("omnara:count", inc),
		cb.Update().After("gorm:update").Register("omnara:count", inc),
		cb.Delete().After("gorm:delete").Register("omnara:count", inc),
		cb.Row().After("gorm:row").Register("omnara:count", inc),
		cb.Raw().After("gorm:raw").Register("omnara:count", inc),
	)
}
