// Package mcp is the MCP server at /mcp: Omnara's tools (log_step,
// ask_question, end_session) and ours, over streamable HTTP on the official
// go-sdk, sharing the agents service with the REST API.
package mcp

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/modelcontextprotocol/go-sdk/auth"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/omnara-go/omnara/modules/accounts"
	"github.com/omnara-go/omnara/modules/agents"
)

// Deps is what the MCP module needs.
type Deps struct {
	Accounts      *accounts.Service
	Agents        *agents.Service
	RequireAPIKey echo.MiddlewareFunc
	Logger        *slog.Logger
	Version       string
	// ProgressEvery is how often a waiting tool sends a progress
	// notification (default 25 s).
	ProgressEvery time.Duration
}

// Module is the MCP module's entry point.
type Module struct {
	agents        *agents.Service
	handler       http.Handler
	auth          echo.MiddlewareFunc
	progressEvery time.Duration
}

// New builds the MCP server and its HTTP handler.
func New(d Deps) *Module {
	m := &Module{agents: d.Agents, auth: d.RequireAPIKey, progressEvery: d.ProgressEvery}
	if m.progressEvery <= 0 {
		m.progressEvery = 25 * time.Second
	}
	server := sdk.NewServer(&sdk.Implementation{Name: "omnara", Title: "Omnara", Version: d.Version}, &sdk.ServerOptions{
		Instructions: "Report your progress with log_step, ask the person with ask_question when you need them, and end_session when done. Reuse one agent_instance_id for the whole task.",
	})
	m.addTools(server)
	options := func(jsonResponse bool) *sdk.StreamableHTTPOptions {
		return &sdk.StreamableHTTPOptions{
			// Stateless: any instance answers any request, a restart loses
			// nothing, and there are no sessions to keep or expire.
			Stateless:    true,
			JSONResponse: jsonResponse,
			// A waiting ask_question ends when its caller hangs up.
			PropagateRequestCancellation: true,
			// Every request carries an API key, which a rebinding page
			// cannot have; the check would refuse reverse proxies that keep
			// the public Host header.
			DisableLocalhostProtection: true,
			Logger:                     d.Logger,
		}
	}
	getServer := func(*http.Request) *sdk.Server { return server }
	handler := chooseResponseMode(
		sdk.NewStreamableHTTPHandler(getServer, options(false)),
		sdk.NewStreamableHTTPHandler(getServer, options(true)),
	)
	// The SDK's bearer check hands the key's owner to the tools; keys were
	// already checked (and answered in Omnara's 401 shape) by RequireAPIKey.
	m.handler = auth.RequireBearerToken(func(ctx context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
		p, err := d.Accounts.VerifyAPIKey(ctx, token)
		if err != nil {
			return nil, errors.Join(auth.ErrInvalidToken, err)
		}
		return &auth.TokenInfo{UserID: p.UserID}, nil
	}, &auth.RequireBearerTokenOptions{AllowMissingExpiration: true})(handler)
	return m
}

// chooseResponseMode answers over SSE (with progress notifications) when
// the client accepts it, and with plain JSON otherwise, so simple HTTP
// clients that send only "Accept: application/json" work too. The SDK
// wants both types listed, so the JSON path adds the one the client left
// out.
func chooseResponseMode(sse, plain http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept := strings.Join(r.Header.Values("Accept"), ",")
		if strings.Contains(accept, "text/event-stream") || r.Method != http.MethodPost {
			sse.ServeHTTP(w, r)
			return
		}
		r = r.Clone(r.Context())
		r.Header.Set("Accept", "application/json, text/event-stream")
		plain.ServeHTTP(w, r)
	})
}

// Routes mounts the MCP endpoint at /mcp and /mcp/ (clients use both; a
// redirect between them would drop the Authorization header).
//
//	POST /mcp, /mcp/  JSON-RPC over streamable HTTP (answers as JSON or SSE)
func (m *Module) Routes(e *echo.Echo) {
	h := echo.WrapHandler(m.handler)
	for _, path := range []string{"/mcp", "/mcp/"} {
		e.Any(path, h, m.auth)
	}
}
