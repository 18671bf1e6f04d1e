package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/omnara-go/omnara/assets"
	"github.com/omnara-go/omnara/platform/config"
	"github.com/omnara-go/omnara/platform/db"
	"github.com/omnara-go/omnara/platform/logging"
	"github.com/omnara-go/omnara/platform/metrics"
	"github.com/omnara-go/omnara/platform/web"
)

// platform is the shared infrastructure every command stands on.
type platform struct {
	cfg     config.Config
	logger  *slog.Logger
	metrics *metrics.Metrics // nil for one-shot commands
	db      *db.DB
	static  *web.Static // embedded stylesheet, scripts and icons
}

// parseConfig parses a command's flags together with the shared ones.
func (c cli) parseConfig(fs *flag.FlagSet, args []string) (config.Config, error) {
	return c.parseWith(config.Bind, fs, args)
}

// parseWith is parseConfig with a chosen set of shared flags.
func (c cli) parseWith(bind func(*flag.FlagSet, config.Env) func() (config.Config, error), fs *flag.FlagSet, args []string) (config.Config, error) {
	fs.SetOutput(c.stderr)
	finish := bind(fs, c.env)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.Config{}, err
		}
		return config.Config{}, usageError("%v", err)
	}
	cfg, err := finish()
	if err != nil {
		return cfg, usageError("%v", err)
	}
	return cfg, nil
}

// openPlatform opens the database; with migrate it also brings the schema
// up to date, as every command but "migrate" does.
func (c cli) openPlatform(cfg config.Config, withMetrics, migrate bool) (*platform, error) {
	p := &platform{cfg: cfg, logger: logging.New(c.stderr, cfg.LogLevel, cfg.LogFormat)}
	var err error
	if p.static, err = web.NewStatic(assets.Static); err != nil {
		return nil, err
	}
	if withMetrics {
		p.metrics = metrics.New()
	}
	if p.db, err = db.Open(c.ctx, cfg, p.logger, p.metrics); err != nil {
		return nil, err
	}
	if migrate {
		if err := p.db.Migrate(c.ctx, p.logger); err != nil {
			p.db.Close()
			return nil, err
		}
	}
	return p, nil
}

// ready is the /readyz check: the database answers and has our schema.
func (p *platform) ready(ctx context.Context) error {
	if err := p.db.Ping(ctx); err != nil {
		p.logger.Warn("readiness: database unreachable", "err", err)
		return errors.New("the database does not answer")
	}
	if err := p.db.CheckSchema(ctx); err != nil {
		return fmt.Errorf("%v", err)
	}
	return nil
}

func (p *platform) close() { p.db.Close() }

// newFlagSet returns a command's flag set; parse errors are returned, not
// fatal, so run can print them with the usage and exit 2.
func newFlagSet(name string) *flag.FlagSet { return flag.NewFlagSet(name, flag.ContinueOnError) }
