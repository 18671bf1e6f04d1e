package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// keyID reads the key id (jti) an API key carries, without verifying it.
func keyID(t *testing.T, key string) (userID, id string) {
	t.Helper()
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(key, &claims); err != nil {
		t.Fatalf("API key is not a JWT: %v", err)
	}
	return claims.Subject, claims.ID
}

func TestUserAndTokenCommandsAgainstRunningServer(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)

		out := mustOmnara(t, env, "correct horse\n", "user", "add", "--email", " Ann@Example.com ", "--password-stdin", "--name", "Ann")
		if !strings.HasPrefix(out, "created user ann@example.com (") {
			t.Fatalf("user add printed %q", out)
		}
		key := mustOmnara(t, env, "", "token", "create", "--email", "ann@example.com", "--name", "laptop")
		if strings.Count(key, "\n") != 1 || strings.Count(strings.TrimSpace(key), ".") != 2 || strings.ContainsAny(strings.TrimSpace(key), " \t") {
			t.Fatalf("token create must print only the key, printed %q", key)
		}
		key = strings.TrimSpace(key)
		userID, id := keyID(t, key)
		assertStoredOnlyHashed(t, env, "api_keys", key)

		b := newBrowser(t, srv.URL)
		res := b.getWithKey("/api/v1/auth/verify", key)
		if res.status != http.StatusOK {
			t.Fatalf("verify: %d %s", res.status, res.body)
		}
		got := res.json(t)
		want := map[string]any{"success": true, "user_id": userID, "email": "ann@example.com", "display_name": "Ann", "message": "Authentication successful"}
		if len(got) != len(want) {
			t.Errorf("verify answered keys %v, want exactly %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("verify %s = %v, want %v", k, got[k], v)
			}
		}

		list := mustOmnara(t, env, "", "token", "list", "--email", "ann@example.com")
		for _, s := range []string{"ID", "LAST USED", id, "laptop", "active"} {
			if !strings.Contains(list, s) {
				t.Errorf("token list lacks %q:\n%s", s, list)
			}
		}
		if strings.Contains(list, key) || strings.Contains(list, "never") {
			t.Errorf("token list must not show the key, and the key was used (last used set):\n%s", list)
		}

		out = mustOmnara(t, env, "", "token", "revoke", id)
		if out != "revoked key "+id+" (laptop)\n" {
			t.Errorf("token revoke printed %q", out)
		}
		// The server may hold a verified key for a few seconds; revocation
		// from another process must show within that bound.
		deadline := time.Now().Add(5 * time.Second)
		for res = b.getWithKey("/api/v1/auth/verify", key); res.status == http.StatusOK && time.Now().Before(deadline); res = b.getWithKey("/api/v1/auth/verify", key) {
			time.Sleep(100 * time.Millisecond)
		}
		if res.status != http.StatusUnauthorized || res.detail(t) != "Invalid token: the key has been revoked" {
			t.Fatalf("revoked key: %d %s", res.status, res.body)
		}
		if res.header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("401 without WWW-Authenticate: Bearer")
		}
		if list := mustOmnara(t, env, "", "token", "list", "--email", "ann@example.com"); !strings.Contains(list, "revoked ") {
			t.Errorf("token list does not show the revocation:\n%s", list)
		}
	})
}

func TestAgentKeysThatMustBeRefused(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		mustOmnara(t, env, "", "user", "add", "--email", "bob@example.com", "--password", "long enough")
		key := strings.TrimSpace(mustOmnara(t, env, "", "token", "create", "--email", "bob@example.com", "--name", "ci"))
		userID, id := keyID(t, key)
		srv := startServer(t, env)
		b := newBrowser(t, srv.URL)

		// Same claims, signed by a key that is not the server's.
		_, foreign, _ := ed25519.GenerateKey(rand.Reader)
		forged, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.RegisteredClaims{Subject: userID, ID: id}).SignedString(foreign)
		if err != nil {
			t.Fatal(err)
		}
		hmac, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: userID, ID: id}).SignedString([]byte("guess"))

		cases := []struct {
			name, header, detail string
		}{
			{"no header", "", "Not authenticated"},
			{"not bearer", "Basic " + key, "Not authenticated"},
			{"empty bearer", "Bearer ", "Not authenticated"},
			{"garbage", "Bearer not-a-key", "Invalid token: the key is malformed"},
			{"foreign signature", "Bearer " + forged, "Invalid token: the key was not signed by this server"},
			{"other algorithm", "Bearer " + hmac, "Invalid token: the key was not signed by this server"},
			{"tampered", "Bearer " + key[:len(key)-4] + "AAAA", "Invalid token: the key was not signed by this server"},
		}
		for _, c := range cases {
			h := http.Header{}
			if c.header != "" {
				h.Set("Authorization", c.header)
			}
			res := b.do(http.MethodGet, "/api/v1/auth/verify", nil, h)
			if res.status != http.StatusUnauthorized || res.detail(t) != c.detail {
				t.Errorf("%s: %d %s, want 401 %q", c.name, res.status, res.body, c.detail)
			}
		}
		if res := b.getWithKey("/api/v1/auth/verify", key); res.status != http.StatusOK {
			t.Errorf("the real key stopped working: %d %s", res.status, res.body)
		}
	})
}

func TestCommandLineErrors(t *testing.T) {
	env := sqliteEnv(t)
	mustOmnara(t, env, "", "user", "add", "--email", "ann@example.com", "--password", "long enough")
	cases := []struct {
		args   []string
		env    map[string]string
		code   int
		stderr string
	}{
		{[]string{"bogus"}, nil, 2, `omnara: unknown command "bogus"`},
		{[]string{"user", "add", "--email", "x@example.com"}, nil, 2, "omnara: user add needs --password or --password-stdin"},
		{[]string{"user", "add", "--password", "long enough"}, nil, 2, "omnara: user add needs --email"},
		{[]string{"user", "add", "--email", "ann@example.com", "--password", "long enough"}, nil, 1, "omnara: a user with this email already exists\n"},
		{[]string{"user", "add", "--email", "not an email", "--password", "long enough"}, nil, 1, "omnara: the email address is not valid\n"},
		{[]string{"user", "add", "--email", "c@example.com", "--password", "short"}, nil, 1, "omnara: the password must be at least 8 characters long\n"},
		{[]string{"user", "remove"}, nil, 2, "omnara: user needs a subcommand: add"},
		{[]string{"token", "create", "--email", "nobody@example.com", "--name", "x"}, nil, 1, "omnara: no user has this email\n"},
		{[]string{"token", "create", "--email", "ann@example.com"}, nil, 2, "omnara: token create needs --name"},
		{[]string{"token", "create", "--name", "x"}, nil, 2, "omnara: token create needs --email"},
		{[]string{"token", "list"}, nil, 2, "omnara: token list needs --email"},
		{[]string{"token", "create", "--email", "ann@example.com", "--name", "  "}, nil, 1, "omnara: the key needs a name\n"},
		{[]string{"token", "revoke"}, nil, 2, "omnara: token revoke needs exactly one key id"},
		{[]string{"token", "revoke", "0190aaaa-0000-7000-8000-000000000000"}, nil, 1, "omnara: no API key has this id\n"},
		{[]string{"token", "revoke", "not-a-uuid"}, nil, 1, "omnara: no API key has this id\n"},
		{[]string{"migrate", "sideways"}, nil, 2, `omnara: migrate needs up, down or status, not "sideways"`},
		{[]string{"serve", "--listen", "nonsense"}, nil, 2, `omnara: --listen "nonsense" is not a host:port address`},
		{[]string{"serve", "--bogus-flag"}, nil, 2, "flag provided but not defined: -bogus-flag"},
		{[]string{"serve"}, map[string]string{"DATABASE_URL": "mysql://x"}, 2, "omnara: DATABASE_URL must start with postgres:// or postgresql:// (leave it empty for SQLite)"},
		{[]string{"serve"}, map[string]string{"OMNARA_LOG_FORMAT": "xml"}, 2, `omnara: log format "xml" is not text or json`},
		{[]string{"serve"}, map[string]string{"OMNARA_BASE_URL": "ftp://x"}, 2, `omnara: OMNARA_BASE_URL "ftp://x" is not an http(s) URL`},
	}
	for _, c := range cases {
		e := map[string]string{"OMNARA_DATA_DIR": env["OMNARA_DATA_DIR"]}
		for k, v := range c.env {
			e[k] = v
		}
		r := omnara(t, e, "", c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.stderr) {
			t.Errorf("omnara %v: exit %d, stderr %q; want exit %d and %q", c.args, r.code, r.stderr, c.code, c.stderr)
		}
		if r.stdout != "" {
			t.Errorf("omnara %v printed %q on stdout; errors belong on stderr", c.args, r.stdout)
		}
	}
	if out := mustOmnara(t, env, "", "version"); out != "omnara dev\n" {
		t.Errorf("version printed %q", out)
	}
}
