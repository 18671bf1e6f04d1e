package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnara-go/omnara/platform/dbtest"
)

// These tests drive the binary's own entry point (run) and a real server on
// a random port, on SQLite and, when configured, PostgreSQL.

// eachDatabase runs f once per database dialect with a fresh database.
func eachDatabase(t *testing.T, f func(t *testing.T, env map[string]string)) {
	for _, target := range dbtest.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			env := target.Env(t)
			env["OMNARA_LISTEN"] = "127.0.0.1:0"
			env["OMNARA_LOG_LEVEL"] = "debug"
			f(t, env)
		})
	}
}

// sqliteEnv is a fresh SQLite server's environment on a random port, with
// extra key, value pairs.
func sqliteEnv(t testing.TB, kv ...string) map[string]string {
	env := map[string]string{"OMNARA_DATA_DIR": t.TempDir(), "OMNARA_LISTEN": "127.0.0.1:0", "OMNARA_LOG_LEVEL": "debug"}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

// syncBuffer collects a server's log while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// cliResult is what one command printed and returned.
type cliResult struct {
	code           int
	stdout, stderr string
}

// omnara runs one command of the binary with env as its whole environment.
func omnara(t testing.TB, env map[string]string, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errOut)
	return cliResult{code: code, stdout: out.String(), stderr: errOut.String()}
}

// mustOmnara runs a command that must succeed.
func mustOmnara(t testing.TB, env map[string]string, stdin string, args ...string) string {
	t.Helper()
	r := omnara(t, env, stdin, args...)
	if r.code != 0 {
		t.Fatalf("omnara %v: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// testServer is a running server and its log.
type testServer struct {
	URL string
	log *syncBuffer
	srv *server
}

// startServer runs "omnara serve" with env until the test ends.
func startServer(t testing.TB, env map[string]string) *testServer {
	t.Helper()
	log := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	c := cli{ctx: ctx, env: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: log}
	cfg, err := c.parseConfig(newFlagSet("serve"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.startServer(cfg)
	if err != nil {
		cancel()
		t.Fatalf("start server: %v\n%s", err, log)
	}
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server stopped with %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("server did not shut down within 20s")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", log)
		}
	})
	return &testServer{URL: s.url(), log: log, srv: s}
}

// startStoppable runs a server the test stops itself (to restart on the
// same database); stop waits for it to shut down.
func startStoppable(t *testing.T, env map[string]string) (srv *server, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := cli{ctx: ctx, env: func(k string) string { return env[k] }, stdout: io.Discard, stderr: io.Discard}
	cfg, err := c.parseConfig(newFlagSet("serve"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if srv, err = c.startServer(cfg); err != nil {
		cancel()
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- srv.run(ctx) }()
	return srv, func() error { cancel(); return <-stopped }
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   string
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// detail returns the {"detail": "..."} sentence of an error answer.
func (r response) detail(t testing.TB) string {
	t.Helper()
	d, _ := r.json(t)["detail"].(string)
	return d
}

// browser is an HTTP client with cookies that does not follow redirects,
// so tests see where a page sends people.
type browser struct {
	t      testing.TB
	client *http.Client
	base   string
}

func newBrowser(t testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, client: &http.Client{
		Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) do(method, path string, body io.Reader, header http.Header) response {
	b.t.Helper()
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(data)}
}

func (b *browser) get(path string) response { return b.do(http.MethodGet, path, nil, nil) }

// getWithKey calls the agent API with an API key.
func (b *browser) getWithKey(path, key string) response {
	return b.do(http.MethodGet, path, nil, http.Header{"Authorization": {"Bearer " + key}})
}

// postForm submits a form the way a page would, with the CSRF token the
// last page set in its cookie unless the form already has one.
func (b *browser) postForm(path string, form url.Values) response {
	b.t.Helper()
	if !form.Has("_csrf") {
		form.Set("_csrf", b.csrf())
	}
	return b.do(http.MethodPost, path, strings.NewReader(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

// csrf reads the token the server put in the CSRF cookie.
func (b *browser) csrf() string {
	u, _ := url.Parse(b.base)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "omnara_csrf" {
			return c.Value
		}
	}
	return ""
}

var hiddenCSRF = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// formToken returns the CSRF token a page embeds in its form.
func formToken(t *testing.T, page string) string {
	t.Helper()
	m := hiddenCSRF.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("page has no CSRF field:\n%s", page)
	}
	return m[1]
}
