package dashboard

import (
	"strings"
	"testing"
	"time"
)

func TestMarkdownIsSanitized(t *testing.T) {
	md := newMarkdown()
	for _, tc := range []struct{ in, want, never string }{
		{"**bold** and `code`", "<strong>bold</strong> and <code>code</code>", ""},
		{"<script>alert(1)</script>", "", "<script"},
		{"[x](javascript:alert(1))", "x", "javascript:"},
		{"<img src=x onerror=alert(1)>", "", "onerror"},
		{"[site](https://example.com)", `rel="nofollow noopener" target="_blank"`, ""},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "<table>", ""},
		{"```sh\nrm -rf /\n```", `<code class="language-sh">`, ""},
	} {
		got := string(md.render(tc.in))
		if !strings.Contains(got, tc.want) || (tc.never != "" && strings.Contains(got, tc.never)) {
			t.Errorf("render(%q) = %q", tc.in, got)
		}
	}
}

func TestParseDiff(t *testing.T) {
	files, ok := parseDiff("diff --git a/a.go b/a.go\n--- a/a.go\n+++ b/a.go\n@@ -1,2 +1,2 @@\n x\n-y\n+z\n" +
		"diff --git a/new.txt b/new.txt\nnew file mode 100644\n--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+hello\n")
	if !ok || len(files) != 2 {
		t.Fatalf("parsed %d files, ok=%v", len(files), ok)
	}
	if f := files[0]; f.Name != "a.go" || f.Added != 1 || f.Removed != 1 || len(f.Lines) != 4 || f.Lines[2] != (diffLine{"del", "-y"}) {
		t.Errorf("first file: %+v", f)
	}
	if f := files[1]; f.Name != "new.txt" || !f.New || f.Added != 1 {
		t.Errorf("second file: %+v", f)
	}
	if _, ok := parseDiff("not a diff at all"); ok {
		t.Error("plain text parsed as a diff")
	}
}

func TestBadges(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		status string
		last   time.Duration
		want   string
	}{
		{"AWAITING_INPUT", time.Hour, "waiting"},
		{"ACTIVE", time.Minute, "active"},
		{"ACTIVE", 16 * time.Minute, "stale"},
		{"COMPLETED", time.Hour, "completed"},
		{"FAILED", 0, "failed"},
	} {
		if got := badgeFor(tc.status, now.Add(-tc.last), now).Label; got != tc.want {
			t.Errorf("%s, last sign %v ago: %q, want %q", tc.status, tc.last, got, tc.want)
		}
	}
}

func TestDeviceName(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1": "Safari on iPhone",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36":                                   "Chrome on Linux",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0":                                                        "Firefox on Windows",
		"": "Browser",
	} {
		if got := deviceName(ua); got != want {
			t.Errorf("deviceName(%q) = %q, want %q", ua, got, want)
		}
	}
}
