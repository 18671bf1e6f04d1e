package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

const csrfKey = "csrf"

// CSRF protects HTML forms: browsers that send Sec-Fetch-Site are checked
// by origin, others by a token in a cookie that the form must echo back in
// its _csrf field (or the X-CSRF-Token header).
func CSRF(secure bool) echo.MiddlewareFunc {
	inner := middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf,header:X-CSRF-Token",
		ContextKey:     csrfKey,
		CookieName:     "omnara_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   secure,
		CookieSameSite: http.SameSiteLaxMode,
	})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		h := inner(next)
		return func(c echo.Context) error {
			err := h(c)
			var he *echo.HTTPError
			if errors.As(err, &he) && (he.Code == http.StatusForbidden || he.Code == http.StatusBadRequest) && !c.Response().Committed && c.Get(csrfKey) == nil {
				return &Error{Status: http.StatusForbidden, Detail: "The form has expired or came from another site. Reload the page and try again.", Cause: err}
			}
			return err
		}
	}
}

// CSRFToken is the value a form must carry in its _csrf field.
func CSRFToken(c echo.Context) string {
	t, _ := c.Get(csrfKey).(string)
	return t
}
