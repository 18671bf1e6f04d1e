// Package metrics holds the Prometheus collectors the server exposes at
// /metrics. One registry per server, so tests can run servers side by side.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics is the set of collectors shared by the platform and the modules.
type Metrics struct {
	Registry     *prometheus.Registry
	HTTPRequests *prometheus.CounterVec   // by method, route and status
	HTTPDuration *prometheus.HistogramVec // by method and route
	DBQueries    prometheus.Counter       // every statement the server sends
}

// New builds a registry with Go runtime and process collectors plus ours.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omnara_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status code.",
		}, []string{"method", "route", "status"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "omnara_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method and route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
		DBQueries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "omnara_db_queries_total",
			Help: "SQL statements sent to the database by the server.",
		}),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.HTTPRequests, m.HTTPDuration, m.DBQueries,
	)
	return m
}
