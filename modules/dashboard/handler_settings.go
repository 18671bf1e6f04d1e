package dashboard

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/modules/accounts"
	"github.com/omnara-go/omnara/modules/notify"
	"github.com/omnara-go/omnara/platform/web"
)

type sessionRow struct {
	ID, Device, IP    string
	Created, LastSeen time.Time
	Current           bool
}

type settingsPage struct {
	page
	Sessions             []sessionRow
	Notice, Error        string
	Channels             []channelRow
	QuietStart, QuietEnd string
	VAPIDKey             string
	EmailReady           bool
}

func (m *Module) renderSettings(c echo.Context, status int, notice, problem string) error {
	p, err := m.newPage(c, "Settings", "settings")
	if err != nil {
		return err
	}
	_, current := user(c.Request().Context())
	ss, err := m.deps.Accounts.Sessions(c.Request().Context(), p.User.ID)
	if err != nil {
		return web.Internal(err)
	}
	sp := settingsPage{page: p, Notice: notice, Error: problem, VAPIDKey: m.deps.Notify.VAPIDPublicKey(), EmailReady: m.deps.EmailReady}
	if sp.Channels, err = m.channelRows(c, p.User.ID); err != nil {
		return web.Internal(err)
	}
	prefs, err := m.deps.Notify.Prefs(c.Request().Context(), p.User.ID)
	if err != nil {
		return web.Internal(err)
	}
	sp.QuietStart, sp.QuietEnd = notify.Clock(prefs.QuietStart), notify.Clock(prefs.QuietEnd)
	loc := p.User.Location()
	for _, s := range ss {
		sp.Sessions = append(sp.Sessions, sessionRow{
			ID: s.ID, Device: deviceName(s.UserAgent), IP: s.IP,
			Created: s.CreatedAt.In(loc), LastSeen: s.LastSeenAt.In(loc), Current: current != nil && s.ID == current.ID,
		})
	}
	return m.pages.Render(c, status, "settings", sp)
}

func (m *Module) settings(c echo.Context) error {
	notice := ""
	if c.QueryParam("saved") != "" {
		notice = "Saved."
	}
	return m.renderSettings(c, http.StatusOK, notice, "")
}

func (m *Module) saveProfile(c echo.Context) error {
	u, _ := user(c.Request().Context())
	updated, err := m.deps.Accounts.UpdateProfile(c.Request().Context(), u.ID, c.FormValue("display_name"), c.FormValue("time_zone"))
	switch {
	case errors.Is(err, accounts.ErrDisplayNameTooLong):
		return m.renderSettings(c, http.StatusBadRequest, "", "The display name must be at most 200 characters long.")
	case errors.Is(err, accounts.ErrUnknownTimeZone):
		return m.renderSettings(c, http.StatusBadRequest, "", "Unknown time zone: use an IANA name such as Europe/Paris.")
	case err != nil:
		return web.Internal(err)
	}
	*u = *updated
	return web.SeeOther(c, "/settings?saved=1")
}

func (m *Module) changePassword(c echo.Context) error {
	u, ls := user(c.Request().Context())
	err := m.deps.Accounts.ChangePassword(c.Request().Context(), u.ID, c.FormValue("current_password"), c.FormValue("new_password"), ls.ID)
	switch {
	case errors.Is(err, accounts.ErrWrongPassword):
		return m.renderSettings(c, http.StatusBadRequest, "", "The current password is wrong.")
	case errors.Is(err, accounts.ErrWeakPassword):
		return m.renderSettings(c, http.StatusBadRequest, "", "The new password must be at least 8 characters long.")
	case errors.Is(err, accounts.ErrPasswordTooLong):
		return m.renderSettings(c, http.StatusBadRequest, "", "The new password must be at most 1024 characters long.")
	case err != nil:
		return web.Internal(err)
	}
	return m.renderSettings(c, http.StatusOK, "Password changed. Every other browser is signed out.", "")
}

func (m *Module) revokeSession(c echo.Context) error {
	u, _ := user(c.Request().Context())
	err := m.deps.Accounts.EndSessionByID(c.Request().Context(), u.ID, c.Param("id"))
	if errors.Is(err, accounts.ErrSessionNotFound) {
		return web.NewError(http.StatusNotFound, "This browser is not signed in.")
	}
	if err != nil {
		return web.Internal(err)
	}
	return web.SeeOther(c, "/settings")
}

func (m *Module) revokeAllSessions(c echo.Context) error {
	u, _ := user(c.Request().Context())
	if err := m.deps.Accounts.EndAllSessions(c.Request().Context(), u.ID); err != nil {
		return web.Internal(err)
	}
	return web.SeeOther(c, "/login")
}

// deviceName makes a User-Agent readable enough to recognise a browser.
func deviceName(ua string) string {
	browser := "Browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"Mac OS X", "macOS"}, {"Windows", "Windows"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			return browser + " on " + o.name
		}
	}
	return browser
}
