package agentapi

import "github.com/labstack/echo/v4"

// Routes of the agent API, mounted at /api/v1; every route needs an API key.
// The key check is attached per route rather than with g.Use, which would
// turn a wrong method on a known path into a 404 instead of a 405.
//
//	GET /auth/verify  who the key belongs to (n8n's credential test)
func (m *Module) Routes(g *echo.Group) {
	g.GET("/auth/verify", m.verify, m.auth)
}
