// Package agentapi is the agent-facing REST API at /api/v1, wire-compatible
// with Omnara's clients (see shared/contract.md).
package agentapi

import (
	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/modules/accounts"
)

// Deps is what the agent API needs.
type Deps struct {
	Accounts      *accounts.Service
	RequireAPIKey echo.MiddlewareFunc
}

// Module is the agent API's entry point.
type Module struct {
	accounts *accounts.Service
	auth     echo.MiddlewareFunc
}

// New builds the module.
func New(d Deps) *Module { return &Module{accounts: d.Accounts, auth: d.RequireAPIKey} }
