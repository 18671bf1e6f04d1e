package accounts

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/platform/web"
)

type loginPage struct {
	CSRF, Next, Email, Error string
	NoUsers                  bool
}

func (m *Module) showLogin(c echo.Context) error {
	has, err := m.svc.HasUsers(c.Request().Context())
	if err != nil {
		return web.Internal(err)
	}
	return m.pages.Render(c, http.StatusOK, "login", loginPage{
		CSRF: web.CSRFToken(c), Next: web.SafeRedirectTarget(c.QueryParam("next")), NoUsers: !has,
	})
}

func (m *Module) submitLogin(c echo.Context) error {
	ctx := c.Request().Context()
	page := loginPage{CSRF: web.CSRFToken(c), Next: web.SafeRedirectTarget(c.FormValue("next")), Email: c.FormValue("email")}
	u, wait, err := m.svc.Authenticate(ctx, page.Email, c.FormValue("password"), c.RealIP())
	switch {
	case errors.Is(err, ErrThrottled):
		seconds := int(math.Ceil(wait.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(seconds))
		page.Error = "Too many failed sign-in attempts. Try again in " + strconv.Itoa(seconds) + " seconds."
		return m.pages.Render(c, http.StatusTooManyRequests, "login", page)
	case errors.Is(err, ErrBadCredentials):
		page.Error = "The email or password is wrong."
		return m.pages.Render(c, http.StatusUnauthorized, "login", page)
	case err != nil:
		return web.Internal(err)
	}
	token, _, err := m.svc.CreateSession(ctx, u.ID, c.Request().UserAgent(), c.RealIP())
	if err != nil {
		return web.Internal(err)
	}
	m.setSessionCookie(c, token)
	return web.SeeOther(c, page.Next)
}

func (m *Module) logout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil {
		if err := m.svc.EndSession(c.Request().Context(), ck.Value); err != nil {
			return web.Internal(err)
		}
	}
	m.clearSessionCookie(c)
	return web.SeeOther(c, "/login")
}

// sentenceFor turns a service error into text for a form.
func sentenceFor(err error) string {
	s := err.Error()
	return strings.ToUpper(s[:1]) + s[1:] + "."
}
