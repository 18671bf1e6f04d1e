package main

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

const csrfSentence = "The form has expired or came from another site."

func TestDashboardOverviewAndInstancePage(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		id := newInstanceID()
		a.send(id, "Reading **files** <script>alert(1)</script> [click](javascript:alert(1))\n\n```go\nfmt.Println(\"hi\")\n```", false, map[string]any{"agent_type": "Claude-Code"})
		q := a.send(id, "Deploy now?\nThe tests pass.\n[OPTIONS]\n1. Yes\n2. No\n[/OPTIONS]", true, map[string]any{
			"git_diff": "diff --git a/main.go b/main.go\n--- a/main.go\n+++ b/main.go\n@@ -1,2 +1,2 @@\n package main\n-var x = 1\n+var x = 2\n",
		})
		done := newInstanceID()
		a.send(done, "finished work", false, map[string]any{"agent_type": "n8n"})
		a.ok(200, "POST", "/sessions/end", map[string]any{"agent_instance_id": done})

		b := signIn(t, srv, "ann@example.com", "long enough")
		home := b.page("/", 200, "<title>(1) Agents · Omnara</title>", "Needs you", "Deploy now?", "badge-waiting", "n8n", "badge-ended")
		if strings.Contains(home, "The tests pass.") {
			t.Error("the overview shows more than the question's first line")
		}
		b.page("/?status=waiting", 200, "Deploy now?")
		if body := b.page("/?status=waiting", 200); strings.Contains(body, "finished work") {
			t.Error("the waiting filter shows an ended session")
		}
		if body := b.page("/?agent=n8n", 200, "finished work"); strings.Contains(body, "Deploy now?") {
			t.Error("the agent filter shows another agent's session")
		}
		res := b.get("/?status=bogus")
		if res.status != 400 || !strings.Contains(res.body, "Unknown status filter &#34;bogus&#34;: use waiting, active or ended.") {
			t.Errorf("bad filter: %d %s", res.status, res.body)
		}
		frag := b.page("/?fragment=list", 200, `id="instances"`, `data-title="(1) Agents · Omnara"`)
		if strings.Contains(frag, "<html") {
			t.Error("the list fragment carries the whole layout")
		}

		page := b.page("/instances/"+id, 200,
			"<strong>files</strong>", `class="language-go"`, // markdown and code blocks
			`value="Yes" class="option"`, `value="No" class="option"`, "Or write another answer", // Omnara's options block
			`<span class="l-del">-var x = 1</span>`, `<span class="l-add">&#43;var x = 2</span>`, "main.go", // the diff
			"badge-waiting")
		for _, bad := range []string{"<script>alert", "javascript:", "[OPTIONS]"} {
			if strings.Contains(page, bad) {
				t.Errorf("instance page contains %q", bad)
			}
		}
		if !strings.Contains(page, `data-key="`+q["message_id"].(string)+`"`) {
			t.Error("the answer form is not keyed by the open question")
		}

		// Answer with an option: the agent receives exactly its text.
		res = b.postForm("/instances/"+id+"/reply", url.Values{"content": {"Yes"}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/instances/"+id {
			t.Fatalf("reply: %d %s", res.status, res.body)
		}
		pending := a.ok(200, "GET", "/messages/pending?agent_instance_id="+id+"&last_read_message_id="+q["message_id"].(string), nil)
		if got := contents(t, pending["messages"]); len(got) != 1 || got[0] != "Yes" {
			t.Errorf("agent received %v, want [Yes]", got)
		}
		if page := b.page("/instances/"+id, 200, "You", "badge-active"); strings.Contains(page, `class="option"`) {
			t.Error("an answered question still offers its options")
		}
		res = b.postForm("/instances/"+id+"/reply", url.Values{"content": {"   "}})
		if res.status != 400 || !strings.Contains(res.body, "Write a message before sending.") {
			t.Errorf("empty reply: %d %s", res.status, res.body)
		}

		res = b.postForm("/instances/"+id+"/rename", url.Values{"name": {"Release bot"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("rename: %d %s", res.status, res.body)
		}
		b.page("/instances/"+id, 200, "<h1>Release bot</h1>")
		b.page("/", 200, "Release bot")
		res = b.postForm("/instances/"+id+"/rename", url.Values{"name": {strings.Repeat("x", 201)}})
		if res.status != 400 || !strings.Contains(res.body, "The name must be at most 200 characters long.") {
			t.Errorf("long name: %d %s", res.status, res.body)
		}

		if res := b.postForm("/instances/"+id+"/end", url.Values{}); res.status != http.StatusSeeOther {
			t.Fatalf("end: %d %s", res.status, res.body)
		}
		b.page("/instances/"+id, 200, "badge-ended", "ended <time")

		b.page("/instances/"+id+"/delete", 200, "Delete “Release bot”?", "Delete for good")
		if res := b.postForm("/instances/"+id+"/delete", url.Values{}); res.status != http.StatusSeeOther || res.header.Get("Location") != "/" {
			t.Fatalf("delete: %d %s", res.status, res.body)
		}
		b.page("/instances/"+id, 404, "This session does not exist.")
	})
}

var (
	olderLink  = regexp.MustCompile(`data-fragment="(/instances/[^"]+/messages\?before=\d+)"`)
	timelineLI = regexp.MustCompile(`<li class="msg `)
)

func TestDashboardPaginatesLongTimelines(t *testing.T) {
	env := sqliteEnv(t)
	srv := startServer(t, env)
	a := newUserWithKey(t, env, srv, "ann@example.com")
	id := newInstanceID()
	for i := 1; i <= 120; i++ {
		a.send(id, fmt.Sprintf("step number %d.", i), false, map[string]any{"agent_type": "bot"})
	}
	b := signIn(t, srv, "ann@example.com", "long enough")
	page := b.page("/instances/"+id, 200, "step number 120.", "step number 71.", "Show older messages")
	if n := len(timelineLI.FindAllString(page, -1)); n != 50 || strings.Contains(page, "step number 70.") {
		t.Fatalf("first page shows %d messages, want the newest 50", n)
	}
	seen := 50
	for range 2 {
		m := olderLink.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no link to older messages after %d", seen)
		}
		page = b.page(m[1], 200)
		seen += len(timelineLI.FindAllString(page, -1))
	}
	if seen != 120 || !strings.Contains(page, "step number 1.") || strings.Contains(page, "Show older messages") {
		t.Errorf("paging reached %d messages; last page:\n%s", seen, page)
	}
	// The link also works without JavaScript, as a whole page.
	b.page("/instances/"+id+"?before=71", 200, "step number 70.", "step number 21.")
	res := b.get("/instances/" + id + "/messages?before=abc")
	if res.status != 400 || !strings.Contains(res.body, "The before parameter must be a positive message number.") {
		t.Errorf("bad cursor: %d %s", res.status, res.body)
	}
}

var (
	revokeKeyForm     = regexp.MustCompile(`action="/keys/([0-9a-f-]+)/revoke"`)
	revokeSessionForm = regexp.MustCompile(`action="/settings/sessions/([0-9a-f-]+)/revoke"`)
	newKeyField       = regexp.MustCompile(`id="new-key" class="mono" readonly value="([^"]+)"`)
)

func TestDashboardKeysPage(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		newUserWithKey(t, env, srv, "ann@example.com")
		b := signIn(t, srv, "ann@example.com", "long enough")
		b.page("/keys", 200, "Create a key", "test", "never used")

		res := b.postForm("/keys", url.Values{"name": {"ci runner"}})
		if res.status != http.StatusCreated {
			t.Fatalf("create key: %d %s", res.status, res.body)
		}
		m := newKeyField.FindStringSubmatch(res.body)
		if m == nil {
			t.Fatalf("the new key is not shown:\n%s", res.body)
		}
		key := m[1]
		for _, want := range []string{
			"omnara mcp install --client claude-code --url " + srv.URL + " --api-key " + key,
			"claude mcp add --transport http omnara " + srv.URL + "/mcp/ --header \"Authorization: Bearer " + key + "\"",
			"&#34;mcpServers&#34;", `data-copy="#new-key"`,
		} {
			if !strings.Contains(res.body, want) {
				t.Errorf("key page lacks %q", want)
			}
		}
		if got := b.getWithKey("/api/v1/auth/verify", key); got.status != 200 {
			t.Fatalf("the new key does not work: %d %s", got.status, got.body)
		}
		list := b.page("/keys", 200, "ci runner")
		if strings.Contains(list, key) {
			t.Error("the key list shows a key again")
		}
		ids := revokeKeyForm.FindAllStringSubmatch(list, -1)
		if len(ids) != 2 {
			t.Fatalf("want 2 revoke forms, got %d", len(ids))
		}
		// Newest first: the key just made is on top.
		if res := b.postForm("/keys/"+ids[0][1]+"/revoke", url.Values{}); res.status != http.StatusSeeOther {
			t.Fatalf("revoke: %d %s", res.status, res.body)
		}
		if got := b.getWithKey("/api/v1/auth/verify", key); got.status != 401 {
			t.Errorf("a revoked key still works: %d", got.status)
		}
		b.page("/keys", 200, "revoked")

		res = b.postForm("/keys", url.Values{"name": {"  "}})
		if res.status != 400 || !strings.Contains(res.body, "Give the key a name, such as the machine it runs on.") {
			t.Errorf("nameless key: %d %s", res.status, res.body)
		}
	})
}

func TestDashboardSettingsPasswordAndSessions(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		id := newInstanceID()
		a.send(id, "hello", false, map[string]any{"agent_type": "bot"})
		phone := signIn(t, srv, "ann@example.com", "long enough")
		b := signIn(t, srv, "ann@example.com", "long enough")
		b.page("/settings", 200, "Display name", "this browser", "Sign out everywhere", `value="UTC"`)

		res := b.postForm("/settings/profile", url.Values{"display_name": {"Ann"}, "time_zone": {"Asia/Tokyo"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("profile: %d %s", res.status, res.body)
		}
		b.page("/settings?saved=1", 200, "Saved.", `value="Ann"`, `value="Asia/Tokyo"`)
		// Times are shown in the chosen zone; the machine-readable one stays UTC.
		inst := b.page("/instances/"+id, 200, `Z">`)
		if !regexp.MustCompile(`<time datetime="[^"]+T(\d\d):\d\d:\d\dZ">[A-Z][a-z]{2} \d+, (\d\d):`).MatchString(inst) {
			t.Fatalf("no time on the page:\n%s", inst)
		}
		for _, m := range regexp.MustCompile(`T(\d\d):\d\d:\d\dZ">[A-Z][a-z]{2} \d+, (\d\d):`).FindAllStringSubmatch(inst, -1) {
			var utc, local int
			fmt.Sscan(m[1], &utc)
			fmt.Sscan(m[2], &local)
			if (utc+9)%24 != local {
				t.Errorf("time shown %02d:xx for %02d:xx UTC, want Tokyo time", local, utc)
			}
		}
		for _, tc := range []struct{ zone, want string }{
			{"Mars/Olympus", "Unknown time zone: use an IANA name such as Europe/Paris."},
			{"Local", "Unknown time zone: use an IANA name such as Europe/Paris."},
		} {
			res := b.postForm("/settings/profile", url.Values{"display_name": {"Ann"}, "time_zone": {tc.zone}})
			if res.status != 400 || !strings.Contains(res.body, tc.want) {
				t.Errorf("zone %q: %d %s", tc.zone, res.status, res.body)
			}
		}

		res = b.postForm("/settings/password", url.Values{"current_password": {"not it"}, "new_password": {"a new password"}})
		if res.status != 400 || !strings.Contains(res.body, "The current password is wrong.") {
			t.Errorf("wrong current password: %d %s", res.status, res.body)
		}
		res = b.postForm("/settings/password", url.Values{"current_password": {"long enough"}, "new_password": {"short"}})
		if res.status != 400 || !strings.Contains(res.body, "The new password must be at least 8 characters long.") {
			t.Errorf("short new password: %d %s", res.status, res.body)
		}
		// The phone's session is listed and can be signed out on its own.
		ids := revokeSessionForm.FindAllStringSubmatch(b.page("/settings", 200), -1)
		if len(ids) != 1 {
			t.Fatalf("want one other browser listed, got %d", len(ids))
		}
		if res := b.postForm("/settings/sessions/"+ids[0][1]+"/revoke", url.Values{}); res.status != http.StatusSeeOther {
			t.Fatalf("sign the phone out: %d %s", res.status, res.body)
		}
		if res := phone.get("/"); res.status != http.StatusSeeOther {
			t.Errorf("the signed-out phone still sees the overview: %d", res.status)
		}

		phone = signIn(t, srv, "ann@example.com", "long enough")
		res = b.postForm("/settings/password", url.Values{"current_password": {"long enough"}, "new_password": {"a new password"}})
		if res.status != 200 || !strings.Contains(res.body, "Password changed. Every other browser is signed out.") {
			t.Fatalf("change password: %d %s", res.status, res.body)
		}
		if res := phone.get("/"); res.status != http.StatusSeeOther {
			t.Error("changing the password left another browser signed in")
		}
		b.page("/", 200, "Signed in as ann@example.com") // this browser stays
		signIn(t, srv, "ann@example.com", "a new password")

		if res := b.postForm("/settings/sessions/revoke-all", url.Values{}); res.status != http.StatusSeeOther || res.header.Get("Location") != "/login" {
			t.Fatalf("sign out everywhere: %d", res.status)
		}
		if res := b.get("/"); res.status != http.StatusSeeOther {
			t.Error("signing out everywhere left this browser signed in")
		}
	})
}

// TestDashboardFormsNeedCSRFTokens posts every form without its token, and
// from another site.
func TestDashboardFormsNeedCSRFTokens(t *testing.T) {
	env := sqliteEnv(t)
	srv := startServer(t, env)
	a := newUserWithKey(t, env, srv, "ann@example.com")
	id := newInstanceID()
	a.send(id, "hello", false, map[string]any{"agent_type": "bot"})
	b := signIn(t, srv, "ann@example.com", "long enough")
	b.get("/")
	for _, path := range []string{
		"/instances/" + id + "/reply", "/instances/" + id + "/rename", "/instances/" + id + "/end", "/instances/" + id + "/delete",
		"/keys", "/keys/" + newInstanceID() + "/revoke",
		"/settings/profile", "/settings/password", "/settings/sessions/" + newInstanceID() + "/revoke", "/settings/sessions/revoke-all",
		"/settings/notifications", "/settings/notifications/webpush", "/settings/notifications/quiet",
		"/settings/notifications/" + newInstanceID() + "/test", "/settings/notifications/" + newInstanceID() + "/remove",
	} {
		res := b.postForm(path, url.Values{"_csrf": {""}, "content": {"x"}, "name": {"x"}})
		if res.status != http.StatusForbidden || !strings.Contains(res.body, csrfSentence) {
			t.Errorf("POST %s without token: %d %s", path, res.status, res.body)
		}
		res = b.do(http.MethodPost, path, strings.NewReader("_csrf="+b.csrf()+"&content=x"), http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"},
		})
		if res.status != http.StatusForbidden || !strings.Contains(res.body, csrfSentence) {
			t.Errorf("POST %s from another site: %d %s", path, res.status, res.body)
		}
	}
	b.page("/instances/"+id, 200, "hello", "badge-active") // nothing changed
	if strings.Contains(b.page("/instances/"+id, 200), "msg-user") {
		t.Error("a refused form still sent a message")
	}
}

// TestDashboardIsScopedToItsUser gives Bob Ann's ids on every route.
func TestDashboardIsScopedToItsUser(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		newUserWithKey(t, env, srv, "bob@example.com")
		id := newInstanceID()
		a.send(id, "ann's secret plan", true, map[string]any{"agent_type": "bot"})
		ann := signIn(t, srv, "ann@example.com", "long enough")
		annKey := revokeKeyForm.FindStringSubmatch(ann.page("/keys", 200))[1]
		signIn(t, srv, "ann@example.com", "long enough") // a second session, listed to Ann
		annSession := revokeSessionForm.FindStringSubmatch(ann.page("/settings", 200))[1]

		bob := signIn(t, srv, "bob@example.com", "long enough")
		if strings.Contains(bob.page("/", 200), "secret plan") {
			t.Fatal("Bob's overview lists Ann's session")
		}
		for _, path := range []string{"/instances/" + id, "/instances/" + id + "/messages?before=99", "/instances/" + id + "/delete", "/events?instance=" + id} {
			if res := bob.get(path); res.status != 404 || !strings.Contains(res.body, "This session does not exist.") {
				t.Errorf("GET %s as Bob: %d %s", path, res.status, res.body)
			}
		}
		for _, path := range []string{"/instances/" + id + "/reply", "/instances/" + id + "/rename", "/instances/" + id + "/end", "/instances/" + id + "/delete"} {
			if res := bob.postForm(path, url.Values{"content": {"hijack"}, "name": {"hijack"}}); res.status != 404 || !strings.Contains(res.body, "This session does not exist.") {
				t.Errorf("POST %s as Bob: %d %s", path, res.status, res.body)
			}
		}
		if res := bob.postForm("/keys/"+annKey+"/revoke", url.Values{}); res.status != 404 || !strings.Contains(res.body, "This key does not exist.") {
			t.Errorf("Bob revoking Ann's key: %d %s", res.status, res.body)
		}
		if res := bob.postForm("/settings/sessions/"+annSession+"/revoke", url.Values{}); res.status != 404 || !strings.Contains(res.body, "This browser is not signed in.") {
			t.Errorf("Bob signing Ann out: %d %s", res.status, res.body)
		}
		page := ann.page("/instances/"+id, 200, "ann&#39;s secret plan", "badge-waiting")
		if strings.Contains(page, "hijack") {
			t.Error("Bob changed Ann's session")
		}
		ann.page("/keys", 200)
		if strings.Contains(ann.page("/keys", 200), "revoked") {
			t.Error("Bob revoked Ann's key")
		}
	})
}

func TestDashboardStaticFilesAndWebApp(t *testing.T) {
	srv := startServer(t, sqliteEnv(t))
	b := newBrowser(t, srv.URL)
	login := b.page("/login", 200)
	css := regexp.MustCompile(`href="(/static/app\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(login)
	js := regexp.MustCompile(`src="(/static/app\.[0-9a-f]{10}\.js)"`).FindStringSubmatch(login)
	if css == nil || js == nil {
		t.Fatalf("the layout does not link hashed assets:\n%s", login)
	}
	res := b.do(http.MethodGet, css[1], nil, http.Header{"Accept-Encoding": {"gzip"}})
	if res.status != 200 || res.header.Get("Cache-Control") != "public, max-age=31536000, immutable" || res.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("stylesheet: %d %v", res.status, res.header)
	}
	zr, err := gzip.NewReader(strings.NewReader(res.body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !strings.Contains(string(plain), "prefers-color-scheme: dark") || !strings.HasPrefix(res.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet content: %s", res.header.Get("Content-Type"))
	}
	if res := b.get(strings.Replace(js[1], ".js", "0.js", 1)); res.status != 404 {
		t.Errorf("a wrong hash answered %d", res.status)
	}
	sw := b.page("/sw.js", 200, "caches.match(\"/offline\")")
	_ = sw
	if res := b.get("/sw.js"); res.header.Get("Cache-Control") != "no-cache" || !strings.HasPrefix(res.header.Get("Content-Type"), "text/javascript") {
		t.Errorf("service worker headers: %v", res.header)
	}
	var manifest struct {
		Name, StartURL, Display string
		Icons                   []struct{ Src, Sizes string }
	}
	res = b.get("/manifest.webmanifest")
	if err := json.Unmarshal([]byte(res.body), &manifest); err != nil || res.header.Get("Content-Type") != "application/manifest+json" {
		t.Fatalf("manifest: %v %s", err, res.body)
	}
	if manifest.Display != "standalone" || len(manifest.Icons) < 2 {
		t.Errorf("manifest: %+v", manifest)
	}
	for _, icon := range manifest.Icons {
		if res := b.get(icon.Src); res.status != 200 {
			t.Errorf("icon %s: %d", icon.Src, res.status)
		}
	}
	b.page("/offline", 200, "The server cannot be reached")
	// Pages allow no inline script.
	if csp := b.get("/login").header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy: %q", csp)
	}
	if strings.Contains(login, "<script>") || strings.Contains(login, " style=") {
		t.Error("the layout has inline script or style")
	}
}

func TestDashboardNeedsSignIn(t *testing.T) {
	srv := startServer(t, sqliteEnv(t))
	b := newBrowser(t, srv.URL)
	for _, path := range []string{"/", "/keys", "/settings", "/next", "/instances/" + newInstanceID(), "/events"} {
		res := b.get(path)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/login?next="+url.QueryEscape(path) {
			t.Errorf("GET %s signed out: %d %q", path, res.status, res.header.Get("Location"))
		}
	}
}
