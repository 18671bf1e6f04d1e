package dashboard

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/platform/web"
)

// manifest makes the dashboard installable on a phone's home screen.
func (m *Module) manifest(c echo.Context) error {
	icon := func(name, size, typ string) map[string]string {
		u, _ := m.deps.Static.URL(name)
		return map[string]string{"src": u, "sizes": size, "type": typ, "purpose": "any"}
	}
	body, _ := json.Marshal(map[string]any{
		"name": "Omnara", "short_name": "Omnara",
		"description":      "Follow your AI agents and answer them from anywhere.",
		"start_url":        "/",
		"scope":            "/",
		"display":          "standalone",
		"background_color": "#0f1115",
		"theme_color":      "#0f766e",
		"icons": []map[string]string{
			icon("icon-192.png", "192x192", "image/png"),
			icon("icon-512.png", "512x512", "image/png"),
			icon("icon.svg", "any", "image/svg+xml"),
		},
	})
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.Blob(http.StatusOK, "application/manifest+json", body)
}

// serviceWorker is served at the site root, so it may control every page,
// and revalidated on each visit, so a new version installs promptly.
func (m *Module) serviceWorker(c echo.Context) error {
	body, _, ok := m.deps.Static.File("sw.js")
	if !ok {
		return web.NotFound("No service worker.")
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", body)
}

// offline is the page the service worker shows when the server is down.
func (m *Module) offline(c echo.Context) error {
	return m.pages.Render(c, http.StatusOK, "offline", page{Title: "Offline"})
}

// next opens the oldest session waiting for an answer, other than the one
// the person is on (after), or the overview when none waits.
func (m *Module) next(c echo.Context) error {
	u, _ := user(c.Request().Context())
	list, err := m.deps.Agents.Overview(c.Request().Context(), u.ID, waitingFilter)
	if err != nil {
		return web.Internal(err)
	}
	after := c.QueryParam("after")
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].ID != after {
			return c.Redirect(http.StatusSeeOther, "/instances/"+list[i].ID+"#answer")
		}
	}
	return c.Redirect(http.StatusSeeOther, "/")
}
