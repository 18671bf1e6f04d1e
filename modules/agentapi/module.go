// Package agentapi is the agent-facing REST API at /api/v1, wire-compatible
// with Omnara's clients (see shared/contract.md), plus extensions old
// clients never see.
package agentapi

import (
	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/modules/accounts"
	"github.com/omnara-go/omnara/modules/agents"
)

// Deps is what the agent API needs.
type Deps struct {
	Accounts      *accounts.Service
	Agents        *agents.Service
	RequireAPIKey echo.MiddlewareFunc
}

// Module is the agent API's entry point.
type Module struct {
	accounts *accounts.Service
	agents   *agents.Service
	auth     echo.MiddlewareFunc
}

// New builds the module.
func New(d Deps) *Module {
	return &Module{accounts: d.Accounts, agents: d.Agents, auth: d.RequireAPIKey}
}

// userID is the owner of the API key the request carries.
func userID(c echo.Context) string {
	p, _ := accounts.PrincipalFrom(c.Request().Context())
	return p.UserID
}
