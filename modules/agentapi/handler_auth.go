package agentapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/modules/accounts"
	"github.com/omnara-go/omnara/platform/web"
)

type verifyResponse struct {
	Success     bool   `json:"success"`
	UserID      string `json:"user_id"`
	Email       string `json:"email"`
	DisplayName string `json:"display_name"`
	Message     string `json:"message"`
}

func (m *Module) verify(c echo.Context) error {
	p, _ := accounts.PrincipalFrom(c.Request().Context())
	u, err := m.accounts.UserByID(c.Request().Context(), p.UserID)
	if err != nil {
		return web.Internal(err)
	}
	return c.JSON(http.StatusOK, verifyResponse{
		Success: true, UserID: u.ID, Email: u.Email, DisplayName: u.DisplayName,
		Message: "Authentication successful",
	})
}
