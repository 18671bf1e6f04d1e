package accounts

import (
	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/platform/web"
)

// Routes of the accounts pages (mounted at the site root, CSRF-protected):
//
//	GET  /setup?token=T  one-time form for the first account
//	POST /setup          create the first account and sign in
//	GET  /login          sign-in form
//	POST /login          sign in (throttled)
//	POST /logout         sign out
func (m *Module) Routes(g *echo.Group) {
	// Middleware per route, not g.Use: a root group's Use would also claim
	// every unknown path.
	csrf := web.CSRF(m.secure)
	g.GET("/setup", m.showSetup, csrf)
	g.POST("/setup", m.submitSetup, csrf)
	g.GET("/login", m.showLogin, csrf)
	g.POST("/login", m.submitLogin, csrf)
	g.POST("/logout", m.logout, csrf)
}
