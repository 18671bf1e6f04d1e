package accounts

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/platform/web"
)

const sessionCookie = "omnara_session"

type principalKey struct{}
type userKey struct{}
type sessionKey struct{}

// PrincipalFrom returns the API key's owner that RequireAPIKey put in ctx.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// SessionFrom returns the browser session that RequireSession put in ctx.
func SessionFrom(ctx context.Context) (*LoginSession, bool) {
	ls, ok := ctx.Value(sessionKey{}).(*LoginSession)
	return ls, ok
}

// UserFrom returns the signed-in user that RequireSession put in ctx.
func UserFrom(ctx context.Context) (*User, bool) {
	u, ok := ctx.Value(userKey{}).(*User)
	return u, ok
}

// WithPrincipal returns ctx carrying p, for transports that verify keys
// themselves (MCP).
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// BearerToken extracts the key from an Authorization header, "" if absent
// or not a Bearer credential.
func BearerToken(header string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// KeyErrorDetail is the sentence a client gets for a rejected key.
func KeyErrorDetail(err error) string {
	switch {
	case errors.Is(err, ErrInvalidKeyFormat), errors.Is(err, ErrInvalidKeySig),
		errors.Is(err, ErrKeyRevoked), errors.Is(err, ErrKeyUnknown):
		return "Invalid token: " + err.Error()
	}
	return ""
}

// RequireAPIKey admits requests with a valid agent API key, answering 401
// in Omnara's shape otherwise.
func (m *Module) RequireAPIKey() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			token := BearerToken(c.Request().Header.Get(echo.HeaderAuthorization))
			if token == "" {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, "Bearer")
				return web.Unauthorized("Not authenticated")
			}
			p, err := m.svc.VerifyAPIKey(c.Request().Context(), token)
			if err != nil {
				detail := KeyErrorDetail(err)
				if detail == "" {
					return web.Internal(err)
				}
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, "Bearer")
				return &web.Error{Status: http.StatusUnauthorized, Detail: detail, Cause: err}
			}
			req := c.Request()
			c.SetRequest(req.WithContext(WithPrincipal(req.Context(), p)))
			return next(c)
		}
	}
}

// RequireSession admits signed-in people. A page request without a session
// is sent to the sign-in form and back; anything else gets 401.
func (m *Module) RequireSession() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			var token string
			if ck, err := c.Cookie(sessionCookie); err == nil {
				token = ck.Value
			}
			u, ls, err := m.svc.SessionUser(c.Request().Context(), token)
			if errors.Is(err, ErrSessionNotFound) || errors.Is(err, ErrUserNotFound) {
				if c.Request().Method == http.MethodGet {
					return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
				}
				return web.Unauthorized("Sign in first.")
			}
			if err != nil {
				return web.Internal(err)
			}
			req := c.Request()
			ctx := context.WithValue(req.Context(), userKey{}, u)
			c.SetRequest(req.WithContext(context.WithValue(ctx, sessionKey{}, ls)))
			return next(c)
		}
	}
}

func (m *Module) setSessionCookie(c echo.Context, token string) {
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		MaxAge: int(sessionLifetime.Seconds()), HttpOnly: true, Secure: m.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (m *Module) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: m.secure, SameSite: http.SameSiteLaxMode,
	})
}
