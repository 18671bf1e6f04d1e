package web_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/platform/logging"
	"github.com/omnara-go/omnara/platform/metrics"
	"github.com/omnara-go/omnara/platform/web"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func serve(t *testing.T, routes func(e *echo.Echo)) (string, *lockedBuffer) {
	t.Helper()
	log := &lockedBuffer{}
	e := web.NewRouter(web.Options{Logger: logging.New(log, "debug", "text"), Metrics: metrics.New()})
	routes(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL, log
}

func get(t *testing.T, url string, accept string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func TestPanicsBecomeA500WithoutDetails(t *testing.T) {
	base, log := serve(t, func(e *echo.Echo) {
		e.GET("/api/v1/boom", func(echo.Context) error { panic("secret internal state") })
		e.GET("/boom", func(echo.Context) error { panic("secret internal state") })
	})
	status, body := get(t, base+"/api/v1/boom", "")
	if status != http.StatusInternalServerError || strings.TrimSpace(body) != `{"detail":"Internal server error"}` {
		t.Fatalf("API panic: %d %s", status, body)
	}
	status, body = get(t, base+"/boom", "text/html")
	if status != http.StatusInternalServerError || !strings.Contains(body, "<h1>Internal Server Error</h1>") || strings.Contains(body, "secret") {
		t.Fatalf("page panic: %d %s", status, body)
	}
	if !strings.Contains(log.String(), "panic in handler") || !strings.Contains(log.String(), "secret internal state") {
		t.Errorf("the panic is not in the log:\n%s", log)
	}
	// The server is still up.
	if status, _ := get(t, base+"/api/v1/boom", ""); status != http.StatusInternalServerError {
		t.Fatalf("after a panic: %d", status)
	}
}

func TestErrorShapes(t *testing.T) {
	base, log := serve(t, func(e *echo.Echo) {
		e.GET("/api/v1/bad", func(echo.Context) error { return web.BadRequest("Agent instance not found") })
		e.GET("/api/v1/invalid", func(echo.Context) error {
			return web.Unprocessable(web.FieldError{Loc: []any{"body", "content"}, Msg: "Field required", Type: "missing"})
		})
		e.GET("/api/v1/fail", func(echo.Context) error { return errors.New("connection string postgres://secret") })
		e.GET("/page", func(echo.Context) error { return web.NotFound("No such agent.") })
	})
	cases := []struct {
		path, accept string
		status       int
		body         string
	}{
		{"/api/v1/bad", "", 400, `{"detail":"Agent instance not found"}`},
		{"/api/v1/invalid", "", 422, `{"detail":[{"loc":["body","content"],"msg":"Field required","type":"missing"}]}`},
		{"/api/v1/fail", "", 500, `{"detail":"Internal server error"}`},
		{"/page", "application/json", 404, `{"detail":"No such agent."}`},
	}
	for _, c := range cases {
		status, body := get(t, base+c.path, c.accept)
		if status != c.status || strings.TrimSpace(body) != c.body {
			t.Errorf("%s: %d %s, want %d %s", c.path, status, body, c.status, c.body)
		}
	}
	status, body := get(t, base+"/page", "text/html")
	if status != 404 || !strings.Contains(body, "<p>No such agent.</p>") {
		t.Errorf("page error: %d %s", status, body)
	}
	if !strings.Contains(log.String(), "postgres://secret") {
		t.Error("the internal cause of a 500 must reach the log")
	}
}

func TestSafeRedirectTarget(t *testing.T) {
	for in, want := range map[string]string{
		"/settings": "/settings", "/a?b=c": "/a?b=c", "": "/", "//evil.example": "/",
		`/\evil.example`: "/", "https://evil.example": "/", "relative": "/",
	} {
		if got := web.SafeRedirectTarget(in); got != want {
			t.Errorf("SafeRedirectTarget(%q) = %q, want %q", in, got, want)
		}
	}
}
