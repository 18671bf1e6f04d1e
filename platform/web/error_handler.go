package web

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/platform/logging"
)

// errorHandler renders every error once: JSON {"detail": ...} for API
// routes and clients that ask for JSON, a small page otherwise. Causes of
// server errors go to the log, never to the client.
func errorHandler(base *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status, detail := classify(err)
		l := logging.From(c.Request().Context())
		if status >= 500 {
			l.Error("request failed", "status", status, "err", err)
		} else {
			l.Debug("request rejected", "status", status, "err", err)
		}

		var werr error
		switch {
		case c.Request().Method == http.MethodHead:
			werr = c.NoContent(status)
		case IsAPI(c.Request().URL.Path) || wantsJSON(c.Request()):
			werr = c.JSON(status, map[string]any{"detail": detail})
		default:
			werr = renderErrorPage(c, status, detail)
		}
		if werr != nil {
			base.Warn("could not write error response", "err", werr)
		}
	}
}

// classify turns any error into a status and a client-safe detail.
func classify(err error) (int, any) {
	if e, ok := AsError(err); ok {
		return e.Status, e.Detail
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if he.Code == http.StatusRequestEntityTooLarge {
			return he.Code, "The request body is larger than this server accepts."
		}
		msg, ok := he.Message.(string)
		if !ok || he.Code >= 500 {
			msg = http.StatusText(he.Code)
		}
		return he.Code, sentence(msg)
	}
	return http.StatusInternalServerError, "Internal server error"
}

// sentence capitalises Echo's lower-case messages ("not found" → "Not found").
func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func wantsJSON(r *http.Request) bool {
	accept := r.Header.Get(echo.HeaderAccept)
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Status}} · Omnara</title></head>
<body><main><h1>{{.Title}}</h1><p>{{.Detail}}</p><p><a href="/">Back to the start page</a></p></main></body></html>
`))

func renderErrorPage(c echo.Context, status int, detail any) error {
	text, ok := detail.(string)
	if !ok {
		text = "The request could not be processed."
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return errorPage.Execute(c.Response(), map[string]any{
		"Status": status, "Title": http.StatusText(status), "Detail": text,
	})
}
