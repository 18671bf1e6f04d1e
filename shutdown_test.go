package main

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A stopped server leaves nothing running: listeners, the events broker's
// connections and the database pool all end with it.
func TestShutdownReturnsGoroutinesToBaseline(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		mustOmnara(t, env, "", "migrate", "up")
		client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
		before := runtime.NumGoroutine()

		ctx, cancel := context.WithCancel(context.Background())
		c := cli{ctx: ctx, env: func(k string) string { return env[k] }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
		cfg, err := c.parseConfig(newFlagSet("serve"), nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.startServer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- s.run(ctx) }()
		for range 5 {
			res, err := client.Get(s.url() + "/readyz")
			if err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("readyz: %v %v", res, err)
			}
			res.Body.Close()
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		client.CloseIdleConnections()

		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before the server, %d after it stopped:\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}
