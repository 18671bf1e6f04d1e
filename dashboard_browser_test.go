package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// These tests drive the dashboard in a real headless Chromium: the forms,
// the live updates over Server-Sent Events, the answer buttons and the
// layout on a phone. Without Chromium they skip, except on CI (CI set),
// where they fail.

// chromeTimeout bounds everything one browser does in a test.
const chromeTimeout = 30 * time.Second

// chromeTab is one headless Chromium with one tab, for one test.
type chromeTab struct {
	t   *testing.T
	srv *testServer
	ctx context.Context // every action runs under it: bounded by chromeTimeout

	mu       sync.Mutex
	problems []string // uncaught exceptions and console errors of the pages
}

// chromiumPath finds Chromium, or skips (fails on CI) when there is none.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is required on CI for the browser tests: install it (apt-get install chromium) so chromium, chromium-browser or google-chrome is on PATH")
	}
	t.Skip("Chromium not found (chromium, chromium-browser or google-chrome on PATH): browser tests skipped")
	return ""
}

// chromeProbe is installed in every page before its scripts run. It counts
// the live streams that have opened (the server subscribes before it
// answers, so an open stream sees every later event).
const chromeProbe = `(() => {
  window.__streamsOpen = 0;
  const ES = window.EventSource;
  if (!ES) return;
  window.EventSource = function (url, init) {
    const es = new ES(url, init);
    es.addEventListener("open", () => { window.__streamsOpen++; });
    return es;
  };
  window.EventSource.prototype = ES.prototype;
})();`

// newChromeTab starts Chromium for srv; the test's cleanup stops it.
func newChromeTab(t *testing.T, srv *testServer) *chromeTab {
	t.Helper()
	path := chromiumPath(t)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.WindowSize(1280, 800),
	)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	stop := func() {
		cancelBrowser()
		cancelAlloc() // kills Chromium if it is still running and waits for it
	}

	// The first action starts the browser and binds it to browserCtx, which
	// has no deadline; actions then run under a deadline of their own.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(browserCtx) }()
	select {
	case err := <-started:
		if err != nil {
			stop()
			t.Fatalf("start Chromium (%s): %v", path, err)
		}
	case <-time.After(chromeTimeout):
		stop()
		t.Fatalf("Chromium (%s) did not start within %s", path, chromeTimeout)
	}

	ctx, cancel := context.WithTimeout(browserCtx, chromeTimeout)
	tab := &chromeTab{t: t, srv: srv, ctx: ctx}
	t.Cleanup(func() {
		if t.Failed() {
			tab.dumpFailure(browserCtx)
		}
		cancel()
		stop()
	})

	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleError {
				tab.mu.Lock()
				tab.problems = append(tab.problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
				tab.mu.Unlock()
			}
		}
	}()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: chromeProbe}); err != nil {
		t.Fatalf("install the page probe: %v", err)
	}
	return tab
}

// dumpFailure logs where the page was and keeps a screenshot of it.
func (b *chromeTab) dumpFailure(browserCtx context.Context) {
	ctx, cancel := context.WithTimeout(browserCtx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 3000) : ""`))
	b.t.Logf("browser at %s; page text:\n%s", loc, text)
	b.mu.Lock()
	if len(b.problems) > 0 {
		b.t.Logf("console errors:\n%s", strings.Join(b.problems, "\n"))
	}
	b.mu.Unlock()
	if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		name := "failed-" + regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(b.t.Name(), "_") + ".png"
		if dir, err := chromeScreenshotDir(); err == nil && os.WriteFile(filepath.Join(dir, name), shot, 0o644) == nil {
			b.t.Logf("screenshot of the failure: %s", filepath.Join(dir, name))
		}
	}
}

// do runs actions, failing the test with what it was doing.
func (b *chromeTab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// chromeEval evaluates a JavaScript expression in the page.
func chromeEval[T any](b *chromeTab, what, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds (within timeout). It
// polls from Go, so the condition may span a navigation (an evaluation in a
// page that is going away fails and is tried again in the next one).
func (b *chromeTab) waitFor(what, js string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+js+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if err != nil {
			last = err
		}
		if b.ctx.Err() != nil || time.Now().After(deadline) {
			b.t.Fatalf("timed out after %s waiting for %s (last error: %v)", timeout, what, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// open navigates to a page of the server and waits for an element of it.
func (b *chromeTab) open(path, ready string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.srv.URL+path), chromedp.WaitVisible(chromedp.CSS(ready)))
}

// path is the page's address without the server part.
func (b *chromeTab) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, b.srv.URL)
}

// signIn fills the login form and waits for the page it leads to.
func (b *chromeTab) signIn(email, password, next, ready string) {
	b.t.Helper()
	b.open("/login?next="+url.QueryEscape(next), "#email")
	b.do("sign in as "+email,
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(ready)),
	)
}

// streamOpen waits until the page's live stream is connected.
func (b *chromeTab) streamOpen() {
	b.t.Helper()
	b.waitFor("the live stream to open", `window.__streamsOpen > 0`, 10*time.Second)
}

// noPageErrors fails the test on any uncaught exception or console error,
// except those containing one of the expected strings.
func (b *chromeTab) noPageErrors(expected ...string) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var unexpected []string
next:
	for _, p := range b.problems {
		for _, e := range expected {
			if strings.Contains(p, e) {
				continue next
			}
		}
		unexpected = append(unexpected, p)
	}
	if len(unexpected) > 0 {
		b.t.Errorf("the pages logged errors:\n%s", strings.Join(unexpected, "\n"))
	}
}

// chromeScreenshotDir is where screenshots go: $OMNARA_SCREENSHOT_DIR, else
// omnara-screenshots in the system's temporary folder, outside the source
// tree. Tests log the path they wrote.
func chromeScreenshotDir() (string, error) {
	dir := os.Getenv("OMNARA_SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "omnara-screenshots")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return dir, os.MkdirAll(dir, 0o755)
}

// chromeSQLiteEnv is a fresh SQLite server environment, for the tests that check
// only what the browser shows.
func chromeSQLiteEnv(t *testing.T) map[string]string {
	return map[string]string{"OMNARA_DATA_DIR": t.TempDir(), "OMNARA_LISTEN": "127.0.0.1:0", "OMNARA_LOG_LEVEL": "debug"}
}

const chromePassword = "long enough" // what newUserWithKey sets

func TestBrowserSignIn(t *testing.T) {
	chromiumPath(t)
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		newUserWithKey(t, env, srv, "ann@example.com")
		b := newChromeTab(t, srv)

		// A page that needs a session sends the browser to the form.
		b.open("/settings", "#email")
		if p := b.path(); p != "/login?next=%2Fsettings" {
			t.Errorf("signed out, /settings led to %s", p)
		}

		// A wrong password keeps the browser on the form with the reason.
		b.do("sign in with a wrong password",
			chromedp.SendKeys(chromedp.CSS("#email"), "ann@example.com"),
			chromedp.SendKeys(chromedp.CSS("#password"), "not the password"),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(".alert")),
		)
		if msg := chromeEval[string](b, "read the alert", `document.querySelector(".alert").textContent`); !strings.Contains(msg, "The email or password is wrong.") {
			t.Errorf("alert after a wrong password: %q", msg)
		}

		b.signIn("ann@example.com", chromePassword, "/", "#instances")
		if p := b.path(); p != "/" {
			t.Errorf("after signing in the browser is at %s, want the overview", p)
		}
		header := chromeEval[string](b, "read the header", `document.querySelector("header.top").innerText`)
		if !strings.Contains(header, "Agents") || !strings.Contains(header, "API keys") {
			t.Errorf("header after signing in: %q", header)
		}
		if me := chromeEval[string](b, "read who is signed in", `document.querySelector(".me").textContent`); me != "Signed in as ann@example.com" {
			t.Errorf("header names %q", me)
		}
		// With no session yet the overview says how to connect an agent.
		if !chromeEval[bool](b, "look for the first steps", `!!document.querySelector("#instances .empty-state")`) {
			t.Error("an empty overview does not show how to connect an agent")
		}
		// The browser reports the refused sign-in's status; nothing else.
		b.noPageErrors("status of 401 (Unauthorized) (" + srv.URL + "/login:")
	})
}

func TestBrowserLiveStep(t *testing.T) {
	chromiumPath(t)
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		id := newInstanceID()
		a.send(id, "Cloned the repository", false, map[string]any{"agent_type": "claude-code"})

		b := newChromeTab(t, srv)
		b.signIn("ann@example.com", chromePassword, "/instances/"+id, "#timeline li.msg")
		if p := b.path(); p != "/instances/"+id {
			t.Fatalf("signing in led to %s, not the instance page", p)
		}
		b.streamOpen()
		b.do("mark the document", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))

		marker := "live-" + newInstanceID()[:8]
		a.send(id, "Ran the tests: `"+marker+"` **all green**", false, nil)

		b.waitFor("the new step in the timeline",
			fmt.Sprintf(`[...document.querySelectorAll("#timeline li.msg")].some(li => li.textContent.includes(%q))`, marker), 10*time.Second)
		type entry struct {
			ID     string `json:"id"`
			Code   string `json:"code"`
			Strong string `json:"strong"`
			Last   bool   `json:"last"`
			Count  int    `json:"count"`
		}
		got := chromeEval[entry](b, "read the new step", fmt.Sprintf(`(() => {
			const items = [...document.querySelectorAll("#timeline li.msg")];
			const li = items.find(li => li.textContent.includes(%q));
			return {id: li.id, code: (li.querySelector(".md code") || {}).textContent || "",
				strong: (li.querySelector(".md strong") || {}).textContent || "",
				last: items[items.length - 1] === li, count: items.length};
		})()`, marker))
		if !regexp.MustCompile(`^m-\d+$`).MatchString(got.ID) || got.Code != marker || got.Strong != "all green" || !got.Last || got.Count != 2 {
			t.Errorf("the live step is not rendered as the newest timeline entry in Markdown: %+v", got)
		}
		if !chromeEval[bool](b, "check the document stayed", `window.__marker === 1`) {
			t.Error("the page reloaded to show the step instead of inserting it")
		}
		b.noPageErrors()
	})
}

func TestBrowserAnswerQuestionWithOption(t *testing.T) {
	chromiumPath(t)
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		id := newInstanceID()
		a.send(id, "Built the release", false, map[string]any{"agent_type": "claude-code"})
		q := a.send(id, chromeDeployQuestion, true, nil)["message_id"].(string)

		// The agent waits for the answer as an SDK does.
		waitForAnswer := func(question string) <-chan response {
			done := make(chan response, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), chromeTimeout)
				defer cancel()
				done <- a.call(ctx, "GET", "/messages/pending?agent_instance_id="+id+"&last_read_message_id="+question+"&wait=30", nil)
			}()
			return done
		}
		answerOf := func(done <-chan response) string {
			t.Helper()
			select {
			case res := <-done:
				if res.status != 200 {
					t.Fatalf("the agent's wait: %d %s", res.status, res.body)
				}
				got := contents(t, res.json(t)["messages"])
				if len(got) != 1 {
					t.Fatalf("the agent's wait returned %q, want one answer", got)
				}
				return got[0]
			case <-time.After(15 * time.Second):
				t.Fatal("the agent's wait did not return within 15s of the answer")
				return ""
			}
		}
		first := waitForAnswer(q)
		waitUntil(t, "the agent to wait", func() bool { return srv.srv.domain.agents.Waiting() == 1 })

		b := newChromeTab(t, srv)
		b.signIn("ann@example.com", chromePassword, "/instances/"+id, `#answer button.option[value="Yes"]`)
		type panel struct {
			Options  []string `json:"options"`
			Question string   `json:"question"`
		}
		got := chromeEval[panel](b, "read the question panel", `({
			options: [...document.querySelectorAll("section#answer button.option")].map(b => b.textContent.trim()),
			question: document.querySelector("section#answer .question").textContent.trim()})`)
		if strings.Join(got.Options, "|") != "Yes|No" || got.Question != "Deploy now?" {
			t.Errorf("question panel shows %+v, want the text without the options block and buttons Yes and No", got)
		}

		b.do("click Yes", chromedp.Click(chromedp.CSS(`section#answer button.option[value="Yes"]`)))
		if ans := answerOf(first); ans != "Yes" {
			t.Errorf("the agent received %q, want Yes", ans)
		}
		// The page comes back without the question and with the answer.
		b.waitFor("the answered page",
			`document.querySelector("#answer") && document.querySelector("#answer").hidden &&
			 [...document.querySelectorAll("#timeline li.msg-user")].some(li => li.textContent.trim().endsWith("Yes"))`, 10*time.Second)

		// A new question appears live, and a written answer reaches the agent.
		b.streamOpen()
		q2 := a.send(id, "Which region?", true, nil)["message_id"].(string)
		second := waitForAnswer(q2)
		b.waitFor("the second question's form", `(() => {
			const s = document.querySelector("#answer");
			return s && !s.hidden && s.textContent.includes("Which region?") && !!s.querySelector("#answer-text");
		})()`, 10*time.Second)
		b.do("write an answer",
			chromedp.SendKeys(chromedp.CSS("#answer-text"), "eu-west-1"),
			chromedp.Click(chromedp.CSS(`#answer form.reply button[type="submit"]`)),
		)
		if ans := answerOf(second); ans != "eu-west-1" {
			t.Errorf("the agent received %q, want eu-west-1", ans)
		}
		b.noPageErrors()
	})
}

func TestBrowserAPIKeys(t *testing.T) {
	chromiumPath(t)
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		owner := newUserWithKey(t, env, srv, "ann@example.com")
		b := newChromeTab(t, srv)
		b.signIn("ann@example.com", chromePassword, "/keys", "#key-name")

		b.do("create a key",
			chromedp.SendKeys(chromedp.CSS("#key-name"), "browser key"),
			chromedp.Click(chromedp.CSS(`form[action="/keys"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("input#new-key")),
		)
		key, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS("input#new-key")))
		if err != nil || len(key) < 20 {
			t.Fatalf("new key %q: %v", key, err)
		}
		if snippet := chromeEval[string](b, "read the install snippet", `document.querySelector("#snip-install").textContent`); !strings.Contains(snippet, "--api-key "+key) || !strings.Contains(snippet, srv.URL) {
			t.Errorf("install snippet does not carry the key and URL: %q", snippet)
		}
		verify := func(k string) int {
			return (&agent{t: t, base: srv.URL + "/api/v1", key: k}).do("GET", "/auth/verify", nil).status
		}
		if s := verify(key); s != 200 {
			t.Fatalf("the key made in the browser does not verify: %d", s)
		}

		b.do("revoke it",
			chromedp.Click(chromedp.CSS(`button[aria-label="Revoke browser key"]`)),
			chromedp.WaitNotPresent(chromedp.CSS("input#new-key")),
		)
		b.waitFor("the revoked badge", `[...document.querySelectorAll("li.row.key")].some(li =>
			li.querySelector(".row-title").textContent === "browser key" &&
			(li.querySelector(".badge") || {}).textContent === "revoked" &&
			!li.querySelector("form"))`, 10*time.Second)
		if p := b.path(); p != "/keys" {
			t.Errorf("after revoking the browser is at %s", p)
		}

		deadline := time.Now().Add(10 * time.Second)
		for verify(key) != 401 {
			if time.Now().After(deadline) {
				t.Fatal("the revoked key still verifies after 10s")
			}
			time.Sleep(100 * time.Millisecond)
		}
		if s := verify(owner.key); s != 200 {
			t.Errorf("revoking one key broke another: %d", s)
		}
		b.noPageErrors()
	})
}

func TestBrowserOverviewLive(t *testing.T) {
	chromiumPath(t)
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		b := newChromeTab(t, srv)
		b.signIn("ann@example.com", chromePassword, "/", "#instances .empty-state")
		b.streamOpen()
		b.do("mark the document", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))

		// A question shows up under "Needs you", and in the tab's title.
		id := newInstanceID()
		a.send(id, chromeDeployQuestion, true, map[string]any{"agent_type": "claude-code"})
		b.waitFor("the question on the overview", fmt.Sprintf(`(() => {
			const row = document.querySelector("#instances .needs .row a[href='/instances/%s']");
			return row && row.textContent.includes("Deploy now?") && !row.textContent.includes("[OPTIONS]");
		})()`, id), 10*time.Second)
		b.waitFor("the count in the title", `document.title.startsWith("(1) ")`, 5*time.Second)
		if !chromeEval[bool](b, "check the document stayed", `window.__marker === 1`) {
			t.Error("the overview reloaded instead of updating its list")
		}

		// n opens the next question waiting.
		b.do("press n", chromedp.KeyEvent("n"))
		b.waitFor("the waiting session's page", fmt.Sprintf(`location.pathname === "/instances/%s" && !!document.querySelector("#answer button.option")`, id), 10*time.Second)
		b.noPageErrors()
	})
}

// A long code block, a long link and a wide diff: what widens pages.
const (
	chromeWideStep = "Ran the migration on https://db.internal.example.com/clusters/production-eu-west-1/databases/omnara_events_archive_2026?tab=migrations&highlight=processed_at\n\n" +
		"```sh\npsql \"postgres://deploy@db.internal.example.com:5432/production?sslmode=verify-full&application_name=omnara-rollout\" -c \"ALTER TABLE events ADD COLUMN processed_at timestamptz NOT NULL DEFAULT now()\"\n```\n\n" +
		"| table | rows before | rows after | duration | lock wait | notes |\n|---|---|---|---|---|---|\n| events_archive_2026_q1 | 18234112 | 18234112 | 00:04:13.221 | 00:00:00.004 | rewritten with processed_at |\n\n" +
		"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a089f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	chromeWideDiff = "diff --git a/internal/deploy/rollout.go b/internal/deploy/rollout.go\n" +
		"index 3b18e51..a9c2f04 100644\n" +
		"--- a/internal/deploy/rollout.go\n" +
		"+++ b/internal/deploy/rollout.go\n" +
		"@@ -10,5 +10,7 @@ func Rollout(ctx context.Context, cfg Config) error {\n" +
		" \tif cfg.Replicas == 0 {\n" +
		"-\t\treturn errors.New(\"no replicas\")\n" +
		"+\t\treturn fmt.Errorf(\"rollout %s: no replicas configured for environment %q (check deploy/environments/%s.yaml and the CLUSTER_REPLICAS override)\", cfg.Name, cfg.Env, cfg.Env)\n" +
		" \t}\n" +
		"+\tlog.Printf(\"rolling out %s to %d replicas in %s with a surge of %d and at most %d unavailable\", cfg.Name, cfg.Replicas, cfg.Env, cfg.Surge, cfg.MaxUnavailable)\n" +
		"+\n" +
		" \treturn apply(ctx, cfg)\n" +
		" }\n" +
		"diff --git a/deploy/environments/production-eu-west-1-with-a-rather-long-directory-name/values.override.yaml b/deploy/environments/production-eu-west-1-with-a-rather-long-directory-name/values.override.yaml\n" +
		"new file mode 100644\n" +
		"index 0000000..e69de29\n" +
		"--- /dev/null\n" +
		"+++ b/deploy/environments/production-eu-west-1-with-a-rather-long-directory-name/values.override.yaml\n" +
		"@@ -0,0 +1,2 @@\n" +
		"+replicas: 12\n" +
		"+notifyChannel: \"#deployments-production-eu-west-1-and-everyone-who-needs-to-know-about-it\"\n"
	chromeDeployQuestion = "Deploy now?\n[OPTIONS]\n1. Yes\n2. No\n[/OPTIONS]"
)

// chromeSeedSessions gives the overview a few sessions: one waiting with options
// and a diff, one working, one ended. It returns the waiting one's id.
func chromeSeedSessions(t *testing.T, a *agent) string {
	t.Helper()
	waiting := newInstanceID()
	a.send(waiting, chromeWideStep, false, map[string]any{"agent_type": "claude-code", "git_diff": chromeWideDiff})
	a.send(waiting, chromeDeployQuestion, true, nil)
	working := newInstanceID()
	a.send(working, "Refactoring the billing module: https://git.example.com/acme/billing/pull/4211/files#diff-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", false, map[string]any{"agent_type": "codex"})
	ended := newInstanceID()
	a.send(ended, "Nightly report sent", false, map[string]any{"agent_type": "n8n"})
	a.ok(200, "POST", "/sessions/end", map[string]any{"agent_instance_id": ended})
	return waiting
}

// chromeLayout is how wide a page is against its viewport.
type chromeLayout struct {
	ScrollWidth int      `json:"scrollWidth"`
	InnerWidth  int      `json:"innerWidth"`
	ClientWidth int      `json:"clientWidth"`
	Overflowing []string `json:"overflowing"`
}

// chromeMeasureLayout finds elements that stick out of the viewport on the right
// and are not inside a box that clips or scrolls them.
const chromeMeasureLayout = `(() => {
  const vw = document.documentElement.clientWidth;
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 0.5) continue;
    let contained = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible" && p.getBoundingClientRect().right <= vw + 0.5) { contained = true; break; }
    }
    if (contained) continue;
    const path = [];
    for (let p = el; p && p !== document.body; p = p.parentElement) path.unshift(name(p));
    out.push(path.join(" > ") + " right=" + Math.round(r.right));
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, clientWidth: vw, overflowing: out.slice(-8)};
})()`

// noHorizontalScroll checks the page fits the phone's width.
func (b *chromeTab) noHorizontalScroll(what string, width int) {
	b.t.Helper()
	l := chromeEval[chromeLayout](b, "measure "+what, chromeMeasureLayout)
	if l.ScrollWidth > l.InnerWidth || l.ScrollWidth > width || l.ClientWidth != width {
		b.t.Errorf("%s scrolls sideways on a %d px wide phone: scrollWidth %d, innerWidth %d, clientWidth %d; sticking out:\n%s",
			what, width, l.ScrollWidth, l.InnerWidth, l.ClientWidth, strings.Join(l.Overflowing, "\n"))
	}
}

var chromePhone = chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile, chromedp.EmulateTouch)

func TestBrowserMobileLayout(t *testing.T) {
	chromiumPath(t)
	env := chromeSQLiteEnv(t)
	srv := startServer(t, env)
	a := newUserWithKey(t, env, srv, "ann@example.com")
	waiting := chromeSeedSessions(t, a)

	b := newChromeTab(t, srv)
	b.do("emulate a phone", chromePhone)
	b.signIn("ann@example.com", chromePassword, "/", "#instances .needs .row")
	if n := chromeEval[int](b, "count the sessions", `document.querySelectorAll("#instances .row").length`); n != 3 {
		t.Errorf("the overview lists %d sessions, want 3", n)
	}
	b.noHorizontalScroll("the overview", 390)

	b.open("/instances/"+waiting, "#diff .file pre.diff")
	b.waitFor("the question's buttons", `document.querySelectorAll("#answer button.option").length === 2`, 5*time.Second)
	b.noHorizontalScroll("an instance page with a code block, a table and a diff", 390)
	// The wide parts scroll inside their own boxes instead.
	if !chromeEval[bool](b, "check the diff scrolls", `(() => { const p = document.querySelector("#diff pre.diff"); return p.scrollWidth > p.clientWidth; })()`) {
		t.Error("the diff's long lines do not scroll inside the diff (were they cut?)")
	}
	// One diff line follows the other, with no blank line between them,
	// and an empty line of the diff still takes a line.
	type diffLines struct {
		Gaps  int `json:"gaps"`
		Empty int `json:"empty"`
		Flat  int `json:"flat"`
	}
	if d := chromeEval[diffLines](b, "measure the diff lines", `(() => {
		const d = {gaps: 0, empty: 0, flat: 0};
		for (const pre of document.querySelectorAll("#diff pre.diff")) {
			const spans = [...pre.querySelectorAll(":scope > span")];
			const lines = spans.map(s => s.getBoundingClientRect());
			for (let i = 0; i < lines.length; i++) {
				if (i > 0 && lines[i].top - lines[i - 1].bottom > 1) d.gaps++;
				if (spans[i].textContent.slice(1).trim() === "") d.empty++; // a sign and nothing else
				if (lines[i].height < 5) d.flat++;
			}
		}
		return d;
	})()`); d.Gaps != 0 || d.Flat != 0 || d.Empty == 0 {
		t.Errorf("diff lines: %d blank gaps between lines, %d lines without height (of %d empty lines; the test diff has one)", d.Gaps, d.Flat, d.Empty)
	}
	// The answer buttons are big enough to tap.
	if h := chromeEval[float64](b, "measure an option", `document.querySelector("#answer button.option").getBoundingClientRect().height`); h < 40 {
		t.Errorf("an option button is %.0f px high on a phone, too small to tap", h)
	}

	b.open("/keys", "#key-name")
	b.do("create a key",
		chromedp.SendKeys(chromedp.CSS("#key-name"), "phone"),
		chromedp.Click(chromedp.CSS(`form[action="/keys"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("input#new-key")),
	)
	b.noHorizontalScroll("the keys page with a new key", 390)
	if !chromeEval[bool](b, "measure the copy button", `(() => {
		const r = document.createRange();
		r.selectNodeContents(document.querySelector(".copy-row button"));
		return r.getClientRects().length === 1;
	})()`) {
		t.Error("the Copy button beside the new key breaks its label over two lines")
	}
	b.open("/settings", "#time-zone")
	b.noHorizontalScroll("the settings page", 390)
	b.noPageErrors()
}

func TestBrowserScreenshots(t *testing.T) {
	chromiumPath(t)
	dir, err := chromeScreenshotDir()
	if err != nil {
		t.Fatal(err)
	}
	env := chromeSQLiteEnv(t)
	srv := startServer(t, env)
	a := newUserWithKey(t, env, srv, "ann@example.com")
	waiting := chromeSeedSessions(t, a)
	b := newChromeTab(t, srv)
	desktop := chromedp.EmulateViewport(1280, 800)

	shoot := func(name string, width int) {
		t.Helper()
		// Fonts and images are in before the picture is taken.
		b.waitFor("the page to settle", `document.readyState === "complete" && document.fonts.status === "loaded"`, 5*time.Second)
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(png))
		if err != nil || format != "png" || cfg.Width != width || cfg.Height < 200 {
			t.Errorf("screenshot %s: %s %dx%d (%v), want a PNG %d px wide", name, format, cfg.Width, cfg.Height, err, width)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	b.do("emulate a desktop", desktop)
	b.open("/login", "#email")
	shoot("login", 1280)

	b.signIn("ann@example.com", chromePassword, "/", "#instances .needs .row")
	shoot("overview-desktop", 1280)
	b.do("emulate a phone", chromePhone)
	b.open("/", "#instances .needs .row")
	shoot("overview-mobile", 390*3)

	b.open("/instances/"+waiting, "#answer button.option")
	shoot("instance-question-mobile", 390*3)
	b.do("emulate a desktop", chromedp.EmulateReset(), desktop)
	b.open("/instances/"+waiting, "#answer button.option")
	if !chromeEval[bool](b, "check the page", `!!document.querySelector("#diff .file .l-add") && !!document.querySelector("#timeline pre code")`) {
		t.Error("the instance page lacks its diff or code block")
	}
	shoot("instance-question", 1280)

	b.open("/keys", "#key-name")
	b.do("create a key",
		chromedp.SendKeys(chromedp.CSS("#key-name"), "laptop"),
		chromedp.Click(chromedp.CSS(`form[action="/keys"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("input#new-key")),
	)
	shoot("keys-created", 1280)

	b.open("/settings", "#time-zone")
	shoot("settings", 1280)
	t.Logf("screenshots in %s", dir)
	b.noPageErrors()
}
