package agentapi

import "github.com/labstack/echo/v4"

// Routes of the agent API, mounted at /api/v1; every route needs an API key.
//
//	GET /auth/verify  who the key belongs to (n8n's credential test)
func (m *Module) Routes(g *echo.Group) {
	g.Use(m.auth)
	g.GET("/auth/verify", m.verify)
}
