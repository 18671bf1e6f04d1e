package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestOperationalEndpointsAndHeaders(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		mustOmnara(t, env, "", "user", "add", "--email", "ann@example.com", "--password", "long enough")
		key := strings.TrimSpace(mustOmnara(t, env, "", "token", "create", "--email", "ann@example.com", "--name", "k"))
		srv := startServer(t, env)
		b := newBrowser(t, srv.URL)

		for path, body := range map[string]string{
			"/healthz": `{"status":"ok"}`,
			"/readyz":  `{"status":"ready"}`,
			"/health":  `{"status":"healthy"}`,
		} {
			res := b.get(path)
			if res.status != http.StatusOK || strings.TrimSpace(res.body) != body {
				t.Errorf("%s: %d %s", path, res.status, res.body)
			}
		}

		res := b.getWithKey("/api/v1/auth/verify", key)
		if id := res.header.Get("X-Request-Id"); len(id) < 16 {
			t.Errorf("no request id header: %q", id)
		}
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY",
			"Referrer-Policy":        "same-origin",
		} {
			if got := res.header.Get(h); got != want {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
		if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("Content-Security-Policy %q", csp)
		}
		if strings.Contains(srv.log.String(), key) {
			t.Error("the server logged an API key")
		}
		if !strings.Contains(srv.log.String(), "request_id=") {
			t.Error("request log lines carry no request id")
		}

		// Errors on JSON routes are {"detail": ...}; on pages, a page.
		res = b.getWithKey("/api/v1/no-such-thing", key)
		if res.status != http.StatusNotFound || res.detail(t) != "Not Found" {
			t.Errorf("unknown API route: %d %s", res.status, res.body)
		}
		res = b.get("/no-such-page")
		if res.status != http.StatusNotFound || !strings.Contains(res.body, "<h1>Not Found</h1>") {
			t.Errorf("unknown page: %d %s", res.status, res.body)
		}
		res = b.do(http.MethodPost, "/api/v1/auth/verify", strings.NewReader(strings.Repeat("x", 5<<20)),
			http.Header{"Authorization": {"Bearer " + key}, "Content-Type": {"application/json"}})
		if res.status != http.StatusRequestEntityTooLarge || res.detail(t) != "The request body is larger than this server accepts." {
			t.Errorf("oversized body: %d %s", res.status, res.body)
		}
		res = b.do(http.MethodPost, "/api/v1/auth/verify", nil, http.Header{"Authorization": {"Bearer " + key}})
		if res.status != http.StatusMethodNotAllowed || res.detail(t) != "Method Not Allowed" {
			t.Errorf("wrong method: %d %s", res.status, res.body)
		}

		metrics := b.get("/metrics")
		for _, s := range []string{
			`omnara_http_requests_total{method="GET",route="/api/v1/auth/verify",status="200"} 1`,
			"omnara_db_queries_total ",
			"go_goroutines ",
			"process_resident_memory_bytes ",
			"omnara_waits_in_progress 0",
			"omnara_event_subscribers 1", // the notification worker
			"omnara_agent_message_batches_total ",
		} {
			if !strings.Contains(metrics.body, s) {
				t.Errorf("/metrics lacks %q", s)
			}
		}
	})
}
