// Package accounts owns people and their credentials: users, passwords,
// login sessions, agent API keys and the first-start setup.
package accounts

import (
	"context"
	"log/slog"

	"gorm.io/gorm"

	"github.com/omnara-go/omnara/assets"
	"github.com/omnara-go/omnara/platform/events"
	"github.com/omnara-go/omnara/platform/web"
)

// Deps is what the accounts module needs from the platform.
type Deps struct {
	DB      *gorm.DB
	Logger  *slog.Logger
	BaseURL string // public URL, for the setup link
	Secure  bool   // served over TLS: cookies get the Secure flag
	Broker  events.Broker
	Static  *web.Static // for the layout's stylesheet and script links
}

// Module is the accounts module's entry point.
type Module struct {
	svc     *Service
	pages   *web.Pages
	logger  *slog.Logger
	baseURL string
	secure  bool
}

// New builds the module; it creates the API key signing key on first start.
func New(ctx context.Context, d Deps) (*Module, error) {
	svc, err := NewService(ctx, d.DB, d.Logger, d.Broker)
	if err != nil {
		return nil, err
	}
	pages, err := web.ParsePages(assets.Templates, d.Static.Funcs(), []string{"templates/layout.html"}, "templates/accounts/*.html")
	if err != nil {
		return nil, err
	}
	return &Module{svc: svc, pages: pages, logger: d.Logger, baseURL: d.BaseURL, secure: d.Secure}, nil
}

// Service exposes the account rules to other modules and the command line.
func (m *Module) Service() *Service { return m.svc }

// AnnounceSetup prints the one-time setup link when no account exists yet.
// The link is the one secret the log ever shows: it is how the owner of a
// fresh server gets in, and it stops working once used.
func (m *Module) AnnounceSetup(ctx context.Context) error {
	token, err := m.svc.OpenSetup(ctx)
	if err != nil || token == "" {
		return err
	}
	m.logger.Warn("no account exists yet: open this one-time link to create the first one",
		"setup_url", m.baseURL+"/setup?token="+token)
	return nil
}
