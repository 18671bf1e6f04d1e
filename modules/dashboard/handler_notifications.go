package dashboard

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/modules/notify"
	"github.com/omnara-go/omnara/platform/web"
)

// channelRow is a channel as the settings page lists it: secrets and most
// of a URL stay hidden.
type channelRow struct {
	ID, Kind, Where, Events string
	Enabled                 bool
}

// channelRows lists the user's channels for the settings page.
func (m *Module) channelRows(c echo.Context, userID string) ([]channelRow, error) {
	cs, err := m.deps.Notify.Channels(c.Request().Context(), userID)
	if err != nil {
		return nil, err
	}
	rows := make([]channelRow, 0, len(cs))
	for _, ch := range cs {
		rows = append(rows, channelRow{ID: ch.ID, Kind: ch.Kind, Where: where(ch), Events: strings.ReplaceAll(ch.Events, ",", ", "), Enabled: ch.Enabled})
	}
	return rows, nil
}

// where names a channel without showing anything that works as a secret
// (webhook URLs are one).
func where(ch notify.Channel) string {
	switch ch.Kind {
	case "email":
		return ch.URL
	case "webpush":
		if u, err := url.Parse(ch.URL); err == nil {
			return "this browser's push service (" + u.Host + ")"
		}
		return "a browser"
	case "ntfy":
		return ch.URL
	}
	if u, err := url.Parse(ch.URL); err == nil {
		return u.Host
	}
	return ch.Kind
}

func (m *Module) addChannel(c echo.Context) error {
	u, _ := user(c.Request().Context())
	form, _ := c.FormParams()
	events, err := notify.ParseEvents(strings.Join(form["events"], ","))
	if err != nil {
		return m.renderSettings(c, http.StatusBadRequest, "", "Choose among questions, steps and ends.")
	}
	if len(events) == 0 {
		return m.renderSettings(c, http.StatusBadRequest, "", "Choose at least one thing to be told about.")
	}
	_, err = m.deps.Notify.AddChannel(c.Request().Context(), u.ID, notify.NewChannel{
		Kind: c.FormValue("kind"), URL: c.FormValue("url"), Token: c.FormValue("token"), Events: events,
	})
	if err != nil {
		return m.channelErr(c, err)
	}
	return web.SeeOther(c, "/settings?saved=1#notifications")
}

// subscribePush stores this browser's Web Push subscription, sent by the
// page's script as the browser's PushSubscription JSON.
func (m *Module) subscribePush(c echo.Context) error {
	u, _ := user(c.Request().Context())
	var sub struct {
		Endpoint string `json:"endpoint"`
		Keys     struct {
			P256dh string `json:"p256dh"`
			Auth   string `json:"auth"`
		} `json:"keys"`
	}
	if err := c.Bind(&sub); err != nil {
		return web.BadRequest("The subscription must be the browser's PushSubscription as JSON.")
	}
	_, err := m.deps.Notify.AddChannel(c.Request().Context(), u.ID, notify.NewChannel{
		Kind: "webpush", URL: sub.Endpoint, P256dh: sub.Keys.P256dh, Auth: sub.Keys.Auth,
		Events: []string{notify.EventQuestions, notify.EventEnds},
	})
	var bad *notify.InvalidChannelError
	if errors.As(err, &bad) {
		return web.BadRequest(bad.Reason)
	}
	if err != nil {
		return web.Internal(err)
	}
	return c.JSON(http.StatusCreated, map[string]string{"detail": "Push notifications are on for this browser."})
}

func (m *Module) testChannel(c echo.Context) error {
	u, _ := user(c.Request().Context())
	res, err := m.deps.Notify.SendTest(c.Request().Context(), u.ID, c.Param("id"))
	if errors.Is(err, notify.ErrChannelNotFound) {
		return web.NewError(http.StatusNotFound, "This notification channel does not exist.")
	}
	if err != nil {
		return web.Internal(err)
	}
	if res[0].Err != nil {
		return m.renderSettings(c, http.StatusBadGateway, "", "The test did not arrive: "+res[0].Err.Error())
	}
	return m.renderSettings(c, http.StatusOK, "Test sent to "+where(res[0].Channel)+".", "")
}

func (m *Module) removeChannel(c echo.Context) error {
	u, _ := user(c.Request().Context())
	err := m.deps.Notify.RemoveChannel(c.Request().Context(), u.ID, c.Param("id"))
	if errors.Is(err, notify.ErrChannelNotFound) {
		return web.NewError(http.StatusNotFound, "This notification channel does not exist.")
	}
	if err != nil {
		return web.Internal(err)
	}
	return web.SeeOther(c, "/settings#notifications")
}

func (m *Module) saveQuietHours(c echo.Context) error {
	u, _ := user(c.Request().Context())
	err := m.deps.Notify.SetQuietHours(c.Request().Context(), u.ID, c.FormValue("quiet_start"), c.FormValue("quiet_end"), u.TimeZone)
	if errors.Is(err, notify.ErrBadQuietHours) {
		return m.renderSettings(c, http.StatusBadRequest, "", "Quiet hours must be times such as 22:00 and 07:30.")
	}
	if err != nil {
		return web.Internal(err)
	}
	return web.SeeOther(c, "/settings?saved=1#notifications")
}

// channelErr shows why a channel was refused.
func (m *Module) channelErr(c echo.Context, err error) error {
	switch {
	case errors.Is(err, notify.ErrEmailOff):
		return m.renderSettings(c, http.StatusBadRequest, "", "Email is not set up on this server: its administrator sets OMNARA_SMTP_HOST and OMNARA_SMTP_FROM.")
	}
	var bad *notify.InvalidChannelError
	if errors.As(err, &bad) {
		return m.renderSettings(c, http.StatusBadRequest, "", bad.Reason)
	}
	return web.Internal(err)
}
