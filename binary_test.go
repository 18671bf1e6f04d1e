package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReleaseBinary builds the binary as a release is built (CGO off,
// stripped, version stamped), runs it, and stops it with SIGTERM.
func TestReleaseBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("the go tool is not on PATH")
	}
	bin := filepath.Join(t.TempDir(), "omnara")
	build := exec.Command(goTool, "build", "-trimpath", "-ldflags", "-s -w -X main.version=v9.9.9-test", "-o", bin, ".")
	// GOFLAGS is reset: a -race inherited from the test run needs cgo.
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build failed: %v\n%s", err, out)
	}

	out, err := exec.Command(bin, "version").Output()
	if err != nil || string(out) != "omnara v9.9.9-test\n" {
		t.Fatalf("version: %q %v", out, err)
	}

	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir())
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	listening := regexp.MustCompile(`msg="omnara is listening" url=(\S+)`)
	var base string
	var log []string
	timeout := time.After(30 * time.Second)
	for base == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("server exited before listening:\n%s", strings.Join(log, "\n"))
			}
			log = append(log, l)
			if m := listening.FindStringSubmatch(l); m != nil {
				base = m[1]
			}
		case <-timeout:
			t.Fatalf("server did not start:\n%s", strings.Join(log, "\n"))
		}
	}
	res, err := http.Get(base + "/readyz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", res, err)
	}
	res.Body.Close()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for l := range lines {
		log = append(log, l)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("server did not exit cleanly on SIGTERM: %v\n%s", err, strings.Join(log, "\n"))
	}
	if !strings.Contains(strings.Join(log, "\n"), `msg="shutting down"`) {
		t.Errorf("no shutdown in the log:\n%s", strings.Join(log, "\n"))
	}
}
