// Package web sets up the one Echo router: middleware every route shares,
// the central error handler, operational routes and the HTTP server's
// lifetime.
package web

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/omnara-go/omnara/platform/logging"
	"github.com/omnara-go/omnara/platform/metrics"
)

// Options configure the router.
type Options struct {
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	Secure  bool // served over TLS: send HSTS
	// BodyLimit caps request bodies (Echo size syntax, e.g. "4M").
	BodyLimit string
}

// NewRouter returns the Echo instance with the shared middleware installed.
func NewRouter(o Options) *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = errorHandler(o.Logger)
	// Client addresses (login throttling, logs) come from X-Forwarded-For
	// only when the direct peer is a local or private-network proxy.
	e.IPExtractor = echo.ExtractIPFromXFFHeader()
	if o.BodyLimit == "" {
		o.BodyLimit = "4M"
	}
	e.Use(
		middleware.RequestID(),
		accessLog(o.Logger, o.Metrics),
		middleware.RecoverWithConfig(middleware.RecoverConfig{
			LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
				logging.From(c.Request().Context()).Error("panic in handler", "err", err, "stack", string(stack))
				return Internal(err)
			},
		}),
		middleware.BodyLimit(o.BodyLimit),
		securityHeaders(o.Secure),
	)
	return e
}

// accessLog puts a request-scoped logger in the context, logs one line per
// request and records metrics. It logs the path only: query strings can
// carry one-time tokens.
func accessLog(base *slog.Logger, m *metrics.Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			req := c.Request()
			id := c.Response().Header().Get(echo.HeaderXRequestID)
			l := base.With("request_id", id)
			c.SetRequest(req.WithContext(logging.With(req.Context(), l)))

			if err := next(c); err != nil {
				c.Error(err) // render now so the status below is the one sent
			}

			status := c.Response().Status
			elapsed := time.Since(start)
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			if m != nil {
				m.HTTPRequests.WithLabelValues(req.Method, route, strconv.Itoa(status)).Inc()
				m.HTTPDuration.WithLabelValues(req.Method, route).Observe(elapsed.Seconds())
			}
			level := slog.LevelInfo
			if route == "/healthz" || route == "/readyz" || route == "/metrics" {
				level = slog.LevelDebug
			}
			l.Log(req.Context(), level, "request",
				"method", req.Method, "path", req.URL.Path, "status", status,
				"duration_ms", float64(elapsed.Microseconds())/1000, "bytes", c.Response().Size,
				"remote", c.RealIP())
			return nil
		}
	}
}

func securityHeaders(secure bool) echo.MiddlewareFunc {
	cfg := middleware.SecureConfig{
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ReferrerPolicy:        "same-origin",
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
	}
	if secure {
		cfg.HSTSMaxAge = 63072000
	}
	return middleware.SecureWithConfig(cfg)
}

// IsAPI reports whether a path belongs to a JSON interface, which answers
// errors as {"detail": ...} rather than as a page.
func IsAPI(path string) bool {
	return strings.HasPrefix(path, "/api/") || path == "/api" ||
		strings.HasPrefix(path, "/mcp") || path == "/healthz" || path == "/readyz" || path == "/health"
}

// NewHTTPServer wraps the router in a server whose every phase has a bound.
// There is no write timeout: long waits and event streams bound themselves.
func NewHTTPServer(addr string, h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}
