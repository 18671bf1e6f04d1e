// Package dashboard serves the pages people use in a browser: every agent
// session, live, with answers, keys and settings.
package dashboard

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/assets"
	"github.com/omnara-go/omnara/modules/accounts"
	"github.com/omnara-go/omnara/modules/agents"
	"github.com/omnara-go/omnara/modules/notify"
	"github.com/omnara-go/omnara/platform/events"
	"github.com/omnara-go/omnara/platform/web"
)

// Deps is what the dashboard needs.
type Deps struct {
	Accounts       *accounts.Service
	Agents         *agents.Service
	Notify         *notify.Service
	Broker         events.Broker
	RequireSession echo.MiddlewareFunc
	Static         *web.Static
	Logger         *slog.Logger
	BaseURL        string
	Secure         bool
	EmailReady     bool            // an SMTP server is configured
	MaxStreams     int             // live pages per person
	Stopping       <-chan struct{} // closed when the server shuts down
}

// Module is the dashboard's entry point.
type Module struct {
	deps    Deps
	pages   *web.Pages
	md      *markdown
	streams *streamLimit
	cache   *fragmentCache
	now     func() time.Time
}

// New parses the dashboard's pages.
func New(d Deps) (*Module, error) {
	m := &Module{deps: d, md: newMarkdown(), streams: newStreamLimit(d.MaxStreams), cache: newFragmentCache(1024), now: time.Now}
	pages, err := web.ParsePages(assets.Templates, d.Static.Funcs(),
		[]string{"templates/layout.html", "templates/dashboard/partials.tmpl"}, "templates/dashboard/*.html")
	if err != nil {
		return nil, err
	}
	m.pages = pages
	return m, nil
}

// Routes of the dashboard (site root; every page needs a signed-in person
// and every form a CSRF token):
//
//	GET  /                                 agents overview (?status=&agent=&limit=&fragment=list)
//	GET  /next                             the next session waiting for an answer (?after=ID)
//	GET  /instances/:id                    one session's timeline (?before=SEQ for older messages)
//	GET  /instances/:id/messages           older messages as a fragment (?before=SEQ)
//	POST /instances/:id/reply              answer the open question or send feedback
//	POST /instances/:id/rename             rename the session
//	POST /instances/:id/end                end the session
//	GET  /instances/:id/delete             confirm deleting
//	POST /instances/:id/delete             delete the session and its messages
//	GET  /events                           live updates, Server-Sent Events (?instance=ID)
//	GET  /keys                             API keys
//	POST /keys                             create a key (shown once)
//	POST /keys/:id/revoke                  revoke a key
//	GET  /settings                         profile, password and signed-in browsers
//	POST /settings/profile                 display name and time zone
//	POST /settings/password                change the password
//	POST /settings/sessions/:id/revoke     sign one browser out
//	POST /settings/sessions/revoke-all     sign out everywhere
//	POST /settings/notifications           add a notification channel
//	POST /settings/notifications/webpush   subscribe this browser to Web Push (JSON)
//	POST /settings/notifications/quiet     quiet hours
//	POST /settings/notifications/:id/test  send a test now
//	POST /settings/notifications/:id/remove
//	GET  /a/:token, POST /a/:token         a notification's one-use answer link (no sign-in)
//	GET  /manifest.webmanifest, /sw.js, /offline   installable web app
func (m *Module) Routes(e *echo.Echo) {
	m.deps.Static.Register(e)
	e.GET("/manifest.webmanifest", m.manifest)
	e.GET("/sw.js", m.serviceWorker)
	e.GET("/offline", m.offline)
	// Answer links carry their own credential: no session, no CSRF token.
	e.GET("/a/:token", m.answerLink)
	e.POST("/a/:token", m.answerByLink)

	g := e.Group("")
	page := []echo.MiddlewareFunc{web.CSRF(m.deps.Secure), m.deps.RequireSession}
	g.GET("/", m.home, page...)
	g.GET("/next", m.next, page...)
	g.GET("/instances/:id", m.instance, page...)
	g.GET("/instances/:id/messages", m.olderMessages, page...)
	g.POST("/instances/:id/reply", m.reply, page...)
	g.POST("/instances/:id/rename", m.rename, page...)
	g.POST("/instances/:id/end", m.end, page...)
	g.GET("/instances/:id/delete", m.confirmDelete, page...)
	g.POST("/instances/:id/delete", m.delete, page...)
	g.GET("/events", m.events, m.deps.RequireSession)
	g.GET("/keys", m.keys, page...)
	g.POST("/keys", m.createKey, page...)
	g.POST("/keys/:id/revoke", m.revokeKey, page...)
	g.GET("/settings", m.settings, page...)
	g.POST("/settings/profile", m.saveProfile, page...)
	g.POST("/settings/password", m.changePassword, page...)
	g.POST("/settings/sessions/:id/revoke", m.revokeSession, page...)
	g.POST("/settings/sessions/revoke-all", m.revokeAllSessions, page...)
	g.POST("/settings/notifications", m.addChannel, page...)
	g.POST("/settings/notifications/webpush", m.subscribePush, page...)
	g.POST("/settings/notifications/quiet", m.saveQuietHours, page...)
	g.POST("/settings/notifications/:id/test", m.testChannel, page...)
	g.POST("/settings/notifications/:id/remove", m.removeChannel, page...)
}

// page is what the layout and header of every dashboard page read.
type page struct {
	User    *accounts.User
	CSRF    string
	Title   string
	Nav     string
	Waiting int64 // sessions waiting for an answer: shown in the tab title
	BaseURL string
	counts  []agents.InstanceCount // what Waiting was counted from
}

// newPage gathers the layout's data for the signed-in user.
func (m *Module) newPage(c echo.Context, title, nav string) (page, error) {
	ctx := c.Request().Context()
	u, _ := accounts.UserFrom(ctx)
	p := page{User: u, CSRF: web.CSRFToken(c), Title: title, Nav: nav, BaseURL: m.deps.BaseURL}
	var err error
	if p.counts, err = m.deps.Agents.InstanceCounts(ctx, u.ID); err != nil {
		return p, web.Internal(err)
	}
	for _, n := range p.counts {
		if n.Status == agents.StatusAwaitingInput {
			p.Waiting += n.Count
		}
	}
	return p, nil
}

// user returns the signed-in user and session RequireSession put in ctx.
func user(ctx context.Context) (*accounts.User, *accounts.LoginSession) {
	u, _ := accounts.UserFrom(ctx)
	ls, _ := accounts.SessionFrom(ctx)
	return u, ls
}

// notFound is the one answer for a session that is not the user's.
func notFound() error { return web.NewError(http.StatusNotFound, "This session does not exist.") }
