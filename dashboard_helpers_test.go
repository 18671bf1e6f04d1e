package main

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// signIn signs a person in through the login form and returns their
// browser.
func signIn(t testing.TB, srv *testServer, email, password string) *browser {
	t.Helper()
	b := newBrowser(t, srv.URL)
	b.get("/login")
	res := b.postForm("/login", url.Values{"email": {email}, "password": {password}, "next": {"/"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d %s", email, res.status, res.body)
	}
	return b
}

// page fetches a page that must answer status and contain every want.
func (b *browser) page(path string, status int, want ...string) string {
	b.t.Helper()
	res := b.get(path)
	if res.status != status {
		b.t.Fatalf("GET %s: %d, want %d\n%s", path, res.status, status, res.body)
	}
	for _, w := range want {
		if !strings.Contains(res.body, w) {
			b.t.Fatalf("GET %s lacks %q:\n%s", path, w, res.body)
		}
	}
	return res.body
}

// sseEvent is one Server-Sent Event.
type sseEvent struct{ id, event, data string }

// sseStream reads a live stream in the background.
type sseStream struct {
	events chan sseEvent
	done   chan struct{} // closed when the server ends the stream
	status int
	cancel context.CancelFunc
}

// openStream opens GET path as the browser, with Last-Event-ID if given.
func (b *browser) openStream(path, lastEventID string) *sseStream {
	b.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.base+path, nil)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	u, _ := url.Parse(b.base)
	for _, c := range b.client.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	// No client timeout: the stream is meant to stay open.
	res, err := (&http.Client{CheckRedirect: b.client.CheckRedirect}).Do(req)
	if err != nil {
		cancel()
		b.t.Fatal(err)
	}
	s := &sseStream{events: make(chan sseEvent, 256), done: make(chan struct{}), status: res.StatusCode, cancel: cancel}
	b.t.Cleanup(func() { cancel(); <-s.done })
	go func() {
		defer close(s.done)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.event != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data += line[6:]
			}
		}
	}()
	return s
}

// next waits for the next event of kind event, skipping others.
func (s *sseStream) next(t testing.TB, event string) sseEvent {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-s.events:
			if ev.event == event {
				return ev
			}
		case <-s.done:
			// Events read before the end are still in the buffer.
			for {
				select {
				case ev := <-s.events:
					if ev.event == event {
						return ev
					}
					continue
				default:
				}
				break
			}
			t.Fatalf("stream ended while waiting for %q", event)
		case <-deadline:
			t.Fatalf("no %q event within 10s", event)
		}
	}
}

// ends waits for the server to close the stream.
func (s *sseStream) ends(t *testing.T) {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream stayed open")
	}
}
