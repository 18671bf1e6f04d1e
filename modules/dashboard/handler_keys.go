package dashboard

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/modules/accounts"
	"github.com/omnara-go/omnara/platform/web"
)

type keyRow struct {
	ID, Name string
	Created  time.Time
	LastUsed *time.Time
	Revoked  bool
}

type keysPage struct {
	page
	Keys               []keyRow
	NewKey, NewKeyName string
	ConfigJSON, Error  string
}

func (m *Module) keysPage(c echo.Context) (*keysPage, error) {
	p, err := m.newPage(c, "API keys", "keys")
	if err != nil {
		return nil, err
	}
	keys, err := m.deps.Accounts.APIKeys(c.Request().Context(), p.User.ID)
	if err != nil {
		return nil, web.Internal(err)
	}
	kp := &keysPage{page: p}
	loc := p.User.Location()
	// Newest first: the key just made is on top.
	for i := len(keys) - 1; i >= 0; i-- {
		k := keys[i]
		r := keyRow{ID: k.ID, Name: k.Name, Created: k.CreatedAt.In(loc), Revoked: k.RevokedAt != nil}
		if k.LastUsedAt != nil {
			r.LastUsed = new(k.LastUsedAt.In(loc))
		}
		kp.Keys = append(kp.Keys, r)
	}
	return kp, nil
}

func (m *Module) keys(c echo.Context) error {
	kp, err := m.keysPage(c)
	if err != nil {
		return err
	}
	return m.pages.Render(c, http.StatusOK, "keys", kp)
}

func (m *Module) createKey(c echo.Context) error {
	u, _ := user(c.Request().Context())
	key, k, err := m.deps.Accounts.CreateAPIKey(c.Request().Context(), u.ID, c.FormValue("name"))
	status := http.StatusCreated
	var sentence string
	switch {
	case errors.Is(err, accounts.ErrKeyNameRequired):
		status, sentence = http.StatusBadRequest, "Give the key a name, such as the machine it runs on."
	case errors.Is(err, accounts.ErrDisplayNameTooLong):
		status, sentence = http.StatusBadRequest, "The key name must be at most 200 characters long."
	case err != nil:
		return web.Internal(err)
	}
	kp, perr := m.keysPage(c)
	if perr != nil {
		return perr
	}
	kp.Error = sentence
	if err == nil {
		kp.NewKey, kp.NewKeyName = key, k.Name
		kp.ConfigJSON = mcpConfig(m.deps.BaseURL, key)
	}
	return m.pages.Render(c, status, "keys", kp)
}

// mcpConfig is the mcpServers entry most clients read (Cursor, Windsurf,
// Claude Code's .mcp.json).
func mcpConfig(baseURL, key string) string {
	cfg := map[string]any{"mcpServers": map[string]any{"omnara": map[string]any{
		"type": "http", "url": baseURL + "/mcp/",
		"headers": map[string]string{"Authorization": "Bearer " + key},
	}}}
	out, _ := json.MarshalIndent(cfg, "", "  ")
	return string(out)
}

func (m *Module) revokeKey(c echo.Context) error {
	u, _ := user(c.Request().Context())
	_, err := m.deps.Accounts.RevokeAPIKey(c.Request().Context(), u.ID, c.Param("id"))
	if errors.Is(err, accounts.ErrKeyNotFound) {
		return web.NewError(http.StatusNotFound, "This key does not exist.")
	}
	if err != nil {
		return web.Internal(err)
	}
	return web.SeeOther(c, "/keys")
}
