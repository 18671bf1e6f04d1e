package main

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/omnara-go/omnara/platform/db"
	"github.com/omnara-go/omnara/platform/dbtest"
)

var setupURL = regexp.MustCompile(`setup_url="?([^"\s]+)`)

func TestSetupLinkCreatesTheFirstAccountOnce(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		m := setupURL.FindStringSubmatch(srv.log.String())
		if m == nil {
			t.Fatalf("no setup link in the log:\n%s", srv.log)
		}
		link, err := url.Parse(m[1])
		if err != nil || !strings.HasPrefix(m[1], srv.URL+"/setup?token=") {
			t.Fatalf("setup link %q does not point at %s", m[1], srv.URL)
		}
		token := link.Query().Get("token")
		b := newBrowser(t, srv.URL)

		if res := b.get("/setup?token=wrong"); res.status != http.StatusNotFound || !strings.Contains(res.body, "This setup link is no longer valid.") {
			t.Fatalf("wrong token: %d %s", res.status, res.body)
		}
		if res := b.get("/"); res.status != http.StatusSeeOther || res.header.Get("Location") != "/login?next=%2F" {
			t.Fatalf("home without a session: %d %s", res.status, res.header.Get("Location"))
		}
		if res := b.get("/login"); !strings.Contains(res.body, "No account exists yet") {
			t.Errorf("login page on a fresh server does not say how to get in:\n%s", res.body)
		}

		res := b.get("/setup?token=" + url.QueryEscape(token))
		if res.status != http.StatusOK || !strings.Contains(res.body, `name="token" value="`+token+`"`) {
			t.Fatalf("setup page: %d %s", res.status, res.body)
		}
		res = b.postForm("/setup", url.Values{"token": {token}, "email": {"owner@example.com"}, "password": {"short"}})
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "The password must be at least 8 characters long.") {
			t.Fatalf("short password: %d %s", res.status, res.body)
		}
		res = b.postForm("/setup", url.Values{"token": {token}, "email": {"owner@example.com"}, "name": {"Owner"}, "password": {"long enough"}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/" {
			t.Fatalf("setup: %d %s", res.status, res.body)
		}
		if res := b.get("/"); res.status != http.StatusOK || !strings.Contains(res.body, "Signed in as owner@example.com") {
			t.Fatalf("home after setup: %d %s", res.status, res.body)
		}

		// The link is dead now, for viewing and for a second account.
		other := newBrowser(t, srv.URL)
		if res := other.get("/setup?token=" + url.QueryEscape(token)); res.status != http.StatusNotFound {
			t.Errorf("setup link worked twice: %d", res.status)
		}
		res = other.postForm("/setup", url.Values{"token": {token}, "email": {"intruder@example.com"}, "password": {"long enough"}})
		if res.status != http.StatusNotFound || !strings.Contains(res.body, "This setup link is no longer valid.") {
			t.Errorf("second setup: %d %s", res.status, res.body)
		}
		if r := omnara(t, env, "", "token", "create", "--email", "intruder@example.com", "--name", "x"); r.code != 1 {
			t.Errorf("the second setup created an account")
		}
	})
}

func TestNoSetupLinkOnceAUserExists(t *testing.T) {
	env := map[string]string{"OMNARA_DATA_DIR": t.TempDir(), "OMNARA_LISTEN": "127.0.0.1:0"}
	mustOmnara(t, env, "", "user", "add", "--email", "ann@example.com", "--password", "long enough")
	srv := startServer(t, env)
	if strings.Contains(srv.log.String(), "setup_url") {
		t.Errorf("setup link printed although a user exists:\n%s", srv.log)
	}
}

func TestLoginThrottleLogoutAndSessionStorage(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		mustOmnara(t, env, "", "user", "add", "--email", "ann@example.com", "--password", "the right one")
		mustOmnara(t, env, "", "user", "add", "--email", "bob@example.com", "--password", "bobs password")
		srv := startServer(t, env)
		b := newBrowser(t, srv.URL)

		page := b.get("/login?next=/settings")
		if page.status != http.StatusOK || !strings.Contains(page.body, `name="next" value="/settings"`) {
			t.Fatalf("login page: %d %s", page.status, page.body)
		}
		// A form without its CSRF token is refused before the password is looked at.
		res := b.postForm("/login", url.Values{"_csrf": {""}, "email": {"ann@example.com"}, "password": {"the right one"}})
		if res.status != http.StatusForbidden || !strings.Contains(res.body, "The form has expired or came from another site.") {
			t.Fatalf("login without CSRF token: %d %s", res.status, res.body)
		}
		res = b.postForm("/login", url.Values{"_csrf": {formToken(t, page.body) + "x"}, "email": {"ann@example.com"}, "password": {"the right one"}})
		if res.status != http.StatusForbidden {
			t.Fatalf("login with a wrong CSRF token: %d", res.status)
		}

		for i := range 5 {
			res := b.postForm("/login", url.Values{"email": {"ann@example.com"}, "password": {"wrong guess"}})
			if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "The email or password is wrong.") {
				t.Fatalf("wrong password #%d: %d %s", i+1, res.status, res.body)
			}
		}
		res = b.postForm("/login", url.Values{"email": {"ann@example.com"}, "password": {"the right one"}})
		if res.status != http.StatusTooManyRequests || !strings.Contains(res.body, "Too many failed sign-in attempts.") || res.header.Get("Retry-After") == "" {
			t.Fatalf("sixth attempt: %d %s (Retry-After %q)", res.status, res.body, res.header.Get("Retry-After"))
		}
		if _, ok := cookieFrom(res, "omnara_session"); ok {
			t.Fatal("a throttled attempt signed in")
		}
		// An unknown email fails the same way as a wrong password.
		res = b.postForm("/login", url.Values{"email": {"nobody@example.com"}, "password": {"whatever1"}})
		if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "The email or password is wrong.") {
			t.Fatalf("unknown email: %d %s", res.status, res.body)
		}

		// Another account from the same client is not locked out.
		res = b.postForm("/login", url.Values{"email": {"BOB@example.com"}, "password": {"bobs password"}, "next": {"//evil.example/x"}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/" {
			t.Fatalf("bob's login: %d %q %s", res.status, res.header.Get("Location"), res.body)
		}
		ck, ok := cookieFrom(res, "omnara_session")
		if !ok || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure {
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure on plain http", ck)
		}
		if res := b.get("/"); res.status != http.StatusOK || !strings.Contains(res.body, "Signed in as bob@example.com") {
			t.Fatalf("home: %d %s", res.status, res.body)
		}
		assertStoredOnlyHashed(t, env, "login_sessions", ck.Value)

		res = b.postForm("/logout", url.Values{})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/login" {
			t.Fatalf("logout: %d", res.status)
		}
		if res := b.get("/"); res.status != http.StatusSeeOther {
			t.Fatalf("home after logout: %d", res.status)
		}
		// The old cookie is dead on the server, not just deleted in the browser.
		replay := newBrowser(t, srv.URL)
		res = replay.do(http.MethodGet, "/", nil, http.Header{"Cookie": {"omnara_session=" + ck.Value}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("replayed session cookie after logout: %d", res.status)
		}
	})
}

func cookieFrom(res response, name string) (*http.Cookie, bool) {
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// assertStoredOnlyHashed checks a table keeps the SHA-256 of a secret
// (session token, API key) and never the secret.
func assertStoredOnlyHashed(t *testing.T, env map[string]string, table, token string) {
	t.Helper()
	store := openStore(t, env)
	var hashes []string
	if err := store.Gorm.Table(table).Pluck("token_hash", &hashes).Error; err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(token))
	want := hex.EncodeToString(sum[:])
	found := false
	for _, h := range hashes {
		if h == token {
			t.Fatalf("%s stores the secret in clear", table)
		}
		found = found || h == want
	}
	if !found {
		t.Fatalf("no row of %s holds the secret's SHA-256", table)
	}
}

// openStore opens the database a test server uses, as a second process would.
func openStore(t *testing.T, env map[string]string) *db.DB {
	t.Helper()
	return dbtest.Open(t, env, nil)
}
