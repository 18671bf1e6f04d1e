package agentapi

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPISpec describes /api/v1; a test keeps it equal to the routes.
//
//go:embed openapi.json
var openAPISpec []byte

// OpenAPISpec returns the description served at /api/v1/openapi.json.
func OpenAPISpec() []byte { return openAPISpec }

func (m *Module) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPISpec)
}
