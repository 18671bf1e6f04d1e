// Package dashboard serves the pages people use in a browser.
package dashboard

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/assets"
	"github.com/omnara-go/omnara/modules/accounts"
	"github.com/omnara-go/omnara/platform/web"
)

// Deps is what the dashboard needs.
type Deps struct {
	RequireSession echo.MiddlewareFunc
	Secure         bool
}

// Module is the dashboard's entry point.
type Module struct {
	pages *web.Pages
	deps  Deps
}

// New parses the dashboard's pages.
func New(d Deps) (*Module, error) {
	pages, err := web.ParsePages(assets.Templates, "templates/layout.html", "templates/dashboard/*.html")
	if err != nil {
		return nil, err
	}
	return &Module{pages: pages, deps: d}, nil
}

// Routes of the dashboard (site root, signed-in people only):
//
//	GET /  home
func (m *Module) Routes(g *echo.Group) {
	page := []echo.MiddlewareFunc{web.CSRF(m.deps.Secure), m.deps.RequireSession}
	g.GET("/", m.home, page...)
}

func (m *Module) home(c echo.Context) error {
	u, _ := accounts.UserFrom(c.Request().Context())
	return m.pages.Render(c, http.StatusOK, "home", map[string]any{"User": u, "CSRF": web.CSRFToken(c)})
}
