package accounts

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/platform/web"
)

type setupPage struct {
	CSRF, Token, Email, Name, Error string
}

var errSetupGone = web.NotFound("This setup link is no longer valid. Sign in, or ask the server's owner for an account.")

func (m *Module) showSetup(c echo.Context) error {
	token := c.QueryParam("token")
	if !m.svc.SetupValid(c.Request().Context(), token) {
		return errSetupGone
	}
	return m.pages.Render(c, http.StatusOK, "setup", setupPage{CSRF: web.CSRFToken(c), Token: token})
}

func (m *Module) submitSetup(c echo.Context) error {
	ctx := c.Request().Context()
	page := setupPage{
		CSRF: web.CSRFToken(c), Token: c.FormValue("token"),
		Email: c.FormValue("email"), Name: c.FormValue("name"),
	}
	u, err := m.svc.CompleteSetup(ctx, page.Token, page.Email, c.FormValue("password"), page.Name)
	switch {
	case errors.Is(err, ErrSetupUnavailable):
		return errSetupGone
	case errors.Is(err, ErrInvalidEmail), errors.Is(err, ErrWeakPassword), errors.Is(err, ErrPasswordTooLong),
		errors.Is(err, ErrDisplayNameTooLong), errors.Is(err, ErrEmailTaken):
		page.Error = sentenceFor(err)
		return m.pages.Render(c, http.StatusUnprocessableEntity, "setup", page)
	case err != nil:
		return web.Internal(err)
	}
	m.logger.Info("first account created through the setup link", "user_id", u.ID)
	token, _, err := m.svc.CreateSession(ctx, u.ID, c.Request().UserAgent(), c.RealIP())
	if err != nil {
		return web.Internal(err)
	}
	m.setSessionCookie(c, token)
	return web.SeeOther(c, "/")
}
