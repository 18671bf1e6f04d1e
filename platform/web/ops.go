package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/omnara-go/omnara/platform/metrics"
)

// ReadyCheck answers nil when the server can do useful work.
type ReadyCheck func(ctx context.Context) error

// RegisterOps mounts /healthz (the process answers), /readyz (the database
// answers and is migrated), /metrics (Prometheus) and Omnara's /health.
func RegisterOps(e *echo.Echo, ready ReadyCheck, m *metrics.Metrics) {
	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/health", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "healthy"})
	})
	e.GET("/readyz", func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			return &Error{Status: http.StatusServiceUnavailable, Detail: "Not ready: " + err.Error(), Cause: err}
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})))
}
