package loadgen

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progressEvery is how often a running scenario prints a progress line.
const progressEvery = time.Second

// startProgress prints "bench NAME: ELAPSED  LINE" to w every second until
// the returned stop is called, and once more then, so even a short run
// shows its final counts; stop waits for the printer to finish, so nothing
// is written to w after it returns. A nil w prints nothing.
func startProgress(w io.Writer, name string, start time.Time, line func() string) (stop func()) {
	if w == nil {
		return func() {}
	}
	show := func() { fmt.Fprintf(w, "bench %s: %5.1fs  %s\n", name, time.Since(start).Seconds(), line()) }
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				show()
				return
			case <-t.C:
				show()
			}
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		wg.Wait()
	}
}
