package channel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// httpKinds are the channels that post JSON to a URL of the person's.
var httpKinds = []string{Ntfy, Webhook, Slack, Discord}

func hookTarget(kind, base string) Target {
	return Target{Kind: kind, URL: base + "/hook/topic_1", Token: "tk_secret_token"}
}

func TestStatusClassification(t *testing.T) {
	for _, tc := range []struct {
		status    int
		permanent bool
	}{
		{http.StatusBadRequest, true},
		{http.StatusUnauthorized, true},
		{http.StatusForbidden, true},
		{http.StatusNotFound, true},
		{http.StatusGone, true},
		{http.StatusRequestEntityTooLarge, true},
		{http.StatusUnprocessableEntity, true},
		{http.StatusRequestTimeout, false},
		{http.StatusTooManyRequests, false},
		{http.StatusInternalServerError, false},
		{http.StatusBadGateway, false},
		{http.StatusServiceUnavailable, false},
		{http.StatusGatewayTimeout, false},
	} {
		for _, kind := range httpKinds {
			r := newReceiver(t, tc.status, "boom")
			err := New(r.Client(), SMTP{}, VAPID{}).Send(context.Background(), hookTarget(kind, r.URL), step())
			if err == nil {
				t.Errorf("%s %d: no error", kind, tc.status)
				continue
			}
			if IsPermanent(err) != tc.permanent {
				t.Errorf("%s %d: IsPermanent = %v, want %v (%v)", kind, tc.status, IsPermanent(err), tc.permanent, err)
			}
			if IsGone(err) {
				t.Errorf("%s %d: only web push subscriptions can be gone", kind, tc.status)
			}
			if !strings.Contains(err.Error(), " answered "+strconv.Itoa(tc.status)+" ") || !strings.HasSuffix(err.Error(), ": boom") {
				t.Errorf("%s %d: error %q should give the status and the answer", kind, tc.status, err)
			}
		}
	}
}

func TestSuccessStatuses(t *testing.T) {
	for _, status := range []int{http.StatusOK, http.StatusCreated, http.StatusAccepted, http.StatusNoContent} {
		for _, kind := range httpKinds {
			r := newReceiver(t, status, "ok")
			if err := New(r.Client(), SMTP{}, VAPID{}).Send(context.Background(), hookTarget(kind, r.URL), step()); err != nil {
				t.Errorf("%s %d: %v", kind, status, err)
			}
		}
	}
}

func TestErrorSentences(t *testing.T) {
	for _, tc := range []struct {
		kind, want string
	}{
		{Ntfy, "ntfy answered 500 Internal Server Error."},
		{Webhook, "The webhook answered 500 Internal Server Error."},
		{Slack, "Slack answered 500 Internal Server Error."},
		{Discord, "Discord answered 500 Internal Server Error."},
	} {
		r := newReceiver(t, http.StatusInternalServerError, " \n ")
		err := New(r.Client(), SMTP{}, VAPID{}).Send(context.Background(), hookTarget(tc.kind, r.URL), step())
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %q", tc.kind, err, tc.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	r := newReceiver(t, http.StatusTooManyRequests, "slow down")
	r.header.Set("Retry-After", "30")
	err := New(r.Client(), SMTP{}, VAPID{}).Send(context.Background(), hookTarget(Slack, r.URL), step())
	if IsPermanent(err) || RetryAfter(err) != 30*time.Second {
		t.Errorf("429: permanent=%v RetryAfter=%v, want temporary and 30s", IsPermanent(err), RetryAfter(err))
	}

	r = newReceiver(t, http.StatusServiceUnavailable, "")
	r.header.Set("Retry-After", time.Now().Add(2*time.Minute).UTC().Format(http.TimeFormat))
	err = New(r.Client(), SMTP{}, VAPID{}).Send(context.Background(), hookTarget(Webhook, r.URL), step())
	if d := RetryAfter(err); d < 110*time.Second || d > 121*time.Second {
		t.Errorf("503 with a date: RetryAfter = %v, want about 2m", d)
	}

	if RetryAfter(errors.New("other")) != 0 || RetryAfter(nil) != 0 {
		t.Error("RetryAfter of a foreign error should be 0")
	}
}

func TestLongAnswerIsCut(t *testing.T) {
	answer := strings.Repeat("line of the receiver's error page\r\n", 100)
	r := newReceiver(t, http.StatusBadRequest, answer)
	err := New(r.Client(), SMTP{}, VAPID{}).Send(context.Background(), hookTarget(Webhook, r.URL), step())
	prefix := "The webhook answered 400 Bad Request: "
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		t.Fatalf("err = %q", msg)
	}
	if n := len(msg) - len(prefix); n > maxSnippet {
		t.Errorf("the answer takes %d bytes of the error, want at most %d", n, maxSnippet)
	}
	if strings.ContainsAny(msg, "\r\n") {
		t.Error("the error spans several lines")
	}
}

func TestConnectionRefusedIsTemporary(t *testing.T) {
	base := "http://127.0.0.1:" + strconv.Itoa(closedPort(t))
	for _, kind := range httpKinds {
		err := New(nil, SMTP{}, VAPID{}).Send(context.Background(), hookTarget(kind, base), step())
		want := "Could not reach " + strings.TrimPrefix(base, "http://") + ": connect: connection refused."
		if err == nil || IsPermanent(err) || err.Error() != want {
			t.Errorf("%s: %v (permanent=%v), want temporary %q", kind, err, IsPermanent(err), want)
		}
	}
}

// slowReceiver answers only when the client gives up or the test ends.
func slowReceiver(t *testing.T) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // only then does the server notice a client leaving
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) }) // runs first: cleanups are last in, first out
	return srv
}

func TestTimeoutsAreTemporary(t *testing.T) {
	srv := slowReceiver(t)
	host := strings.TrimPrefix(srv.URL, "http://")

	// The client's own timeout.
	s := New(&http.Client{Timeout: 100 * time.Millisecond}, SMTP{}, VAPID{})
	err := s.Send(context.Background(), hookTarget(Webhook, srv.URL), step())
	if err == nil || IsPermanent(err) || err.Error() != "The request to "+host+" timed out." {
		t.Errorf("client timeout: %v (permanent=%v)", err, IsPermanent(err))
	}

	// The caller's deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err = New(nil, SMTP{}, VAPID{}).Send(ctx, hookTarget(Ntfy, srv.URL), step())
	if err == nil || IsPermanent(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v (permanent=%v), want a temporary error wrapping context.DeadlineExceeded", err, IsPermanent(err))
	}
}

func TestCancelled(t *testing.T) {
	r := newReceiver(t, http.StatusOK, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := New(r.Client(), SMTP{}, VAPID{}).Send(ctx, hookTarget(Discord, r.URL), step())
	if err == nil || IsPermanent(err) || !errors.Is(err, context.Canceled) || err.Error() != "The delivery was cancelled." {
		t.Errorf("err = %v", err)
	}
}

func TestIsPermanentOfForeignErrors(t *testing.T) {
	if IsPermanent(nil) || IsGone(nil) || IsPermanent(errors.New("x")) || IsGone(errors.New("x")) {
		t.Error("only this package's errors are permanent or gone")
	}
	wrapped := fmt.Errorf("notify: %w", permanent("The thing is wrong."))
	if !IsPermanent(wrapped) {
		t.Error("a wrapped permanent error should stay permanent")
	}
}

// echoReceiver answers 401 with everything it was sent: the URL, every
// header and the body, the worst a receiver could do.
func echoReceiver(t *testing.T, tlsServer bool) *httptest.Server {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "%s %s ", r.Method, r.URL.String())
		for k, v := range r.Header {
			fmt.Fprintf(w, "%s=%s ", k, strings.Join(v, ","))
		}
		_, _ = w.Write(body)
	})
	srv := httptest.NewUnstartedServer(h)
	if tlsServer {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

func TestNoSecretInErrors(t *testing.T) {
	srv := echoReceiver(t, false)
	tlsSrv := echoReceiver(t, true)
	refused := "http://127.0.0.1:" + strconv.Itoa(closedPort(t))
	sub := newSubscription(t, tlsSrv.URL+"/push/endpoint-secret-id")

	targets := []Target{
		{Kind: Ntfy, URL: srv.URL + "/topicsecret123", Token: "tk_ntfysecret"},
		{Kind: Ntfy, URL: strings.Replace(srv.URL, "http://", "http://alice:basicpass@", 1) + "/topicsecret123"},
		{Kind: Webhook, URL: srv.URL + "/hook/whpathsecret?key=querysecret", Token: "whsec_hmacsecret"},
		{Kind: Slack, URL: srv.URL + "/services/T000/B000/slacksecrettoken"},
		{Kind: Discord, URL: srv.URL + "/api/webhooks/1/discordsecrettoken"},
		{Kind: Slack, URL: refused + "/services/T000/B000/slacksecrettoken"},
		{Kind: Webhook, URL: refused + "/hook/whpathsecret?key=querysecret", Token: "whsec_hmacsecret"},
		{Kind: Ntfy, URL: "ftp://alice:basicpass@x/topicsecret123", Token: "tk_ntfysecret"},
		sub.target,
	}
	secrets := []string{"tk_ntfysecret", "topicsecret123", "basicpass", "whpathsecret", "querysecret", "whsec_hmacsecret",
		"slacksecrettoken", "discordsecrettoken", "endpoint-secret-id", sub.target.Auth, sub.target.P256dh}

	s := New(tlsSrv.Client(), SMTP{}, testVAPID(t))
	for _, target := range targets {
		err := s.Send(context.Background(), target, question())
		if err == nil {
			t.Errorf("%s: no error", target.Kind)
			continue
		}
		for _, secret := range secrets {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: the error shows the secret %q: %s", target.Kind, secret, err)
			}
		}
	}

	// Email: a refused password must not come back either.
	smtpSrv, _ := startSMTP(t, smtpPlain, "u", "right-password")
	settings := smtpSrv.settings("none")
	settings.Password = "smtp-password-secret"
	err := New(nil, settings, VAPID{}).Send(context.Background(), Target{Kind: Email, URL: "ada@example.com"}, question())
	if err == nil || strings.Contains(err.Error(), "smtp-password-secret") {
		t.Errorf("email: %v", err)
	}
}

func TestConcurrentSends(t *testing.T) {
	r := newReceiver(t, http.StatusOK, "ok")
	s := New(r.Client(), SMTP{}, VAPID{})
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			m := step()
			m.ID = strconv.Itoa(i)
			if err := s.Send(context.Background(), hookTarget(httpKinds[i%len(httpKinds)], r.URL), m); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) != 40 {
		t.Errorf("receiver got %d requests, want 40", len(r.reqs))
	}
}

func TestRedirects(t *testing.T) {
	var mu sync.Mutex
	var gotAt []string // method and path of each request
	mux := http.NewServeMux()
	mux.HandleFunc("/moved/", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/moved/"))
		http.Redirect(w, r, "/new", code)
	})
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		gotAt = append(gotAt, r.Method+" "+strconv.Itoa(len(body)))
		mu.Unlock()
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	client := srv.Client()
	s := New(client, SMTP{}, VAPID{})

	for _, code := range []int{301, 302, 303} {
		err := s.Send(context.Background(), Target{Kind: Webhook, URL: srv.URL + "/moved/" + strconv.Itoa(code)}, step())
		if err == nil || !IsPermanent(err) || !strings.Contains(err.Error(), "redirects elsewhere") || strings.Contains(err.Error(), "/new") {
			t.Errorf("%d: err = %v, want a permanent error about the redirect", code, err)
		}
	}
	for _, code := range []int{307, 308} {
		if err := s.Send(context.Background(), Target{Kind: Webhook, URL: srv.URL + "/moved/" + strconv.Itoa(code)}, step()); err != nil {
			t.Errorf("%d: %v", code, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(gotAt) != 2 || !strings.HasPrefix(gotAt[0], "POST ") || gotAt[0] == "POST 0" || gotAt[0] != gotAt[1] {
		t.Errorf("redirect target saw %q, want two POSTs with the body", gotAt)
	}
	if client.CheckRedirect != nil {
		t.Error("New changed the caller's client")
	}
}
