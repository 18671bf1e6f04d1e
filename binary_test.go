package main

import (
	"bufio"
	"io"
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

// buildRelease builds the binary as a release is built: CGO off, stripped,
// version stamped.
func buildRelease(tb testing.TB) string {
	tb.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		tb.Fatal("the go tool is not on PATH")
	}
	bin := filepath.Join(tb.TempDir(), "omnara")
	build := exec.Command(goTool, "build", "-trimpath", "-ldflags", "-s -w -X main.version=v9.9.9-test", "-o", bin, ".")
	// GOFLAGS is reset: a -race inherited from the test run needs cgo.
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("CGO_ENABLED=0 go build failed: %v\n%s", err, out)
	}
	return bin
}

// process is the real binary serving on a random port.
type process struct {
	cmd  *exec.Cmd
	URL  string
	log  *syncBuffer
	done chan struct{} // closed when its stderr ends
}

// startBinary runs "bin serve" with env (plus PATH) and waits until it
// listens.
func startBinary(tb testing.TB, bin string, env map[string]string) *process {
	tb.Helper()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	// Runtime settings pass through, so a benchmark row can be reproduced
	// with, say, GOGC=50.
	for _, k := range []string{"GOGC", "GOMEMLIMIT", "GODEBUG"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	p := &process{cmd: cmd, log: &syncBuffer{}, done: make(chan struct{})}
	urls := make(chan string, 1)
	listening := regexp.MustCompile(`msg="omnara is listening" url=(\S+)`)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(io.TeeReader(stderr, p.log))
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case p.URL = <-urls:
	case <-p.done:
		tb.Fatalf("server exited before listening:\n%s", p.log)
	case <-time.After(30 * time.Second):
		tb.Fatalf("server did not start:\n%s", p.log)
	}
	return p
}

// TestReleaseBinary runs the release build and stops it with SIGTERM.
func TestReleaseBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildRelease(t)
	out, err := exec.Command(bin, "version").Output()
	if err != nil || string(out) != "omnara v9.9.9-test\n" {
		t.Fatalf("version: %q %v", out, err)
	}
	p := startBinary(t, bin, sqliteEnv(t))
	res, err := http.Get(p.URL + "/readyz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", res, err)
	}
	res.Body.Close()

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-p.done
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("server did not exit cleanly on SIGTERM: %v\n%s", err, p.log)
	}
	if !strings.Contains(p.log.String(), `msg="shutting down"`) {
		t.Errorf("no shutdown in the log:\n%s", p.log)
	}
}
