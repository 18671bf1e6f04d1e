package db

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/omnara-go/omnara/db/migrations"
)

// Migrator returns goose's provider over this database's embedded migrations.
func (d *DB) Migrator() (*goose.Provider, error) {
	fsys, err := migrations.For(d.Dialect)
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithSlog(slog.New(slog.NewTextHandler(io.Discard, nil)))}
	if d.Dialect == Postgres {
		dialect = goose.DialectPostgres
		// Instances starting together on one database take turns.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, d.sql, fsys, opts...)
}

// Migrate applies every pending migration, and refuses a schema newer than
// this binary knows: serving it could corrupt data written by a newer version.
func (d *DB) Migrate(ctx context.Context, logger *slog.Logger) error {
	p, err := d.Migrator()
	if err != nil {
		return err
	}
	if err := d.refuseNewer(ctx, p); err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s database: %w", d.Dialect, err)
	}
	for _, r := range results {
		logger.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// CheckSchema reports an error unless the schema is exactly the one this
// binary's migrations produce.
func (d *DB) CheckSchema(ctx context.Context) error {
	p, err := d.Migrator()
	if err != nil {
		return err
	}
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return err
	}
	if current != target {
		return fmt.Errorf("database schema is at version %d, this binary needs %d", current, target)
	}
	return nil
}

func (d *DB) refuseNewer(ctx context.Context, p *goose.Provider) error {
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return err
	}
	if current > target {
		return fmt.Errorf("database schema is at version %d, newer than this binary knows (%d): run a newer omnara", current, target)
	}
	return nil
}
