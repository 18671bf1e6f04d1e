package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/platform/config"
	"github.com/omnara-go/omnara/platform/events"
	"github.com/omnara-go/omnara/platform/web"
)

// shutdownGrace bounds how long in-flight requests get to finish.
const shutdownGrace = 15 * time.Second

func (c cli) serve(args []string) error {
	cfg, err := c.parseConfig(newFlagSet("serve"), args)
	if err != nil {
		return err
	}
	s, err := c.startServer(cfg)
	if err != nil {
		return err
	}
	return s.run(c.ctx)
}

// server is a running omnara: platform, modules and the bound listener.
type server struct {
	p      *platform
	broker events.Broker
	domain *domain
	http   *http.Server
	ln     net.Listener
	// stopping closes when shutdown begins, so long waits end at once
	// instead of holding Shutdown for their full length.
	stopping chan struct{}
	routes   []*echo.Route // what the router serves, for checks
}

// startServer opens and migrates the database, builds every module and
// binds the listener; it does not serve yet.
func (c cli) startServer(cfg config.Config) (*server, error) {
	p, err := c.openPlatform(cfg, true, true)
	if err != nil {
		return nil, err
	}
	s := &server{p: p, stopping: make(chan struct{})}
	if err := s.build(c.ctx); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *server) build(ctx context.Context) error {
	p := s.p
	var err error
	if p.cfg.Postgres() {
		if s.broker, err = events.NewPostgres(ctx, p.cfg.DatabaseURL, p.logger); err != nil {
			return err
		}
	} else {
		s.broker = events.NewMemory()
	}
	// Bind first: with port 0 the links the modules print need the real port.
	if s.ln, err = net.Listen("tcp", p.cfg.Listen); err != nil {
		return err
	}
	p.cfg = p.cfg.Bound(s.ln.Addr().String())
	if s.domain, err = newDomain(ctx, p, s.broker, s.stopping); err != nil {
		return err
	}

	e := web.NewRouter(web.Options{Logger: p.logger, Metrics: p.metrics, Secure: p.cfg.Secure()})
	if err := mount(e, p, s.domain); err != nil {
		return err
	}
	s.routes = e.Routes()
	s.http = web.NewHTTPServer(p.cfg.Listen, e, p.logger)
	s.http.RegisterOnShutdown(func() { close(s.stopping) })
	if err := s.domain.accounts.AnnounceSetup(ctx); err != nil {
		return err
	}
	p.logger.Info("omnara is listening", "url", p.cfg.BaseURL, "addr", p.cfg.Listen,
		"database", p.db.Dialect, "version", version)
	return nil
}

// run serves until ctx ends or the listener fails, then shuts down:
// stop accepting, let requests finish, close events and the database.
func (s *server) run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(s.ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		s.p.logger.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		err = s.http.Shutdown(sctx)
		cancel()
		<-errc
	}
	s.close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// url is where clients reach this server.
func (s *server) url() string { return s.p.cfg.BaseURL }

func (s *server) close() {
	if s.ln != nil {
		s.ln.Close() // already closed after Serve; the second close is harmless
	}
	if s.domain != nil {
		s.domain.agents.Close()
		s.domain.notify.Close()
	}
	if s.broker != nil {
		s.broker.Close()
	}
	s.p.close()
}
