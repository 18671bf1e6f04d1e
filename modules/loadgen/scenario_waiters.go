package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// WaitersConfig is the waiters scenario: many agents blocked at once,
// waiting for answers that do not come, while the server's cost is read
// from its /metrics.
type WaitersConfig struct {
	Target
	Waiters int           // blocked calls to hold open at once
	Via     string        // "rest" (GET pending?wait=300) or "mcp" (ask_question)
	Hold    time.Duration // how long to measure once all are waiting
}

// Ways to wait.
const (
	ViaREST = "rest"
	ViaMCP  = "mcp"
)

// maxHold keeps the hold inside one REST wait (the server caps wait= at
// 300 s), so no wait times out while it is measured.
const maxHold = 4 * time.Minute

// setupWorkers is how many requests at once create the sessions.
const setupWorkers = 64

// WaitersResult is what the waiters scenario measured.
type WaitersResult struct {
	Header
	Via     string `json:"via"`
	Waiters int    `json:"waiters"`
	// Opened counts blocked calls sent; Waiting is the server's
	// omnara_waits_in_progress at the end of the hold, WaitingBefore the
	// same before the bench started.
	Opened        int64 `json:"opened"`
	Waiting       int64 `json:"waiting"`
	WaitingBefore int64 `json:"waiting_before"`
	// ReachedS is how long the server took, from the first call sent, to
	// count them all as waiting.
	ReachedS float64 `json:"reached_s"`
	// HoldS is the time between the two /metrics reads the rates use.
	HoldS            float64 `json:"hold_s"`
	ServerRSSMB      float64 `json:"server_rss_mb"`
	ServerGoroutines int64   `json:"server_goroutines"`
	DBQueries        int64   `json:"db_queries"`
	DBQueriesPerS    float64 `json:"db_queries_per_s"`
}

// RunWaiters runs the waiters scenario.
func RunWaiters(ctx context.Context, cfg WaitersConfig) (*WaitersResult, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	switch {
	case cfg.Waiters < 1:
		return nil, errors.New("waiters needs at least one waiter")
	case cfg.Via != ViaREST && cfg.Via != ViaMCP:
		return nil, fmt.Errorf("waiters waits via rest or mcp, not %q", cfg.Via)
	case cfg.Hold <= 0 || cfg.Hold > maxHold:
		return nil, fmt.Errorf("the hold must be between 0 and %s", maxHold)
	}
	tr := NewTransport(cfg.Waiters + setupWorkers + 8)
	defer tr.CloseIdleConnections()
	api := newClient(cfg.URL, cfg.APIKey, tr)
	if _, err := api.verify(ctx); err != nil {
		return nil, err
	}
	before, err := api.scrape(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the server's metrics: %w", err)
	}
	w0, err := need(before, metricWaits)
	if err != nil {
		return nil, err
	}

	res := &WaitersResult{Via: cfg.Via, Waiters: cfg.Waiters, WaitingBefore: int64(w0)}
	res.start("waiters", api.base, cfg.Duration)
	w := &waiters{api: api, errs: &errorLog{}, n: cfg.Waiters}
	started := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	// The waits outlive runCtx's checks: the scenario ends them itself,
	// after reading the metrics, so the last read still sees them.
	waitCtx, endWaits := context.WithCancel(ctx)
	defer endWaits()
	stop := startProgress(cfg.Progress, "waiters", started, w.progress)
	defer stop()

	if cfg.Via == ViaMCP {
		err = w.openMCP(runCtx, waitCtx)
	} else {
		err = w.openREST(runCtx, waitCtx)
	}
	if err != nil {
		endWaits()
		w.end()
		return nil, err
	}
	res.Opened = w.opened.Load()
	res.CutShort = runCtx.Err() != nil
	w.measure(ctx, runCtx, res, cfg.Hold)
	open := w.opened.Load() - w.returned.Load()
	endWaits()
	w.end()
	if hint := w.errs.limited(); hint != "" {
		return nil, fmt.Errorf("only %d of %d waits could be opened: %s", open, cfg.Waiters, hint)
	}
	stop()
	res.finish(started, w.errs)
	return res, nil
}

// waiters holds the blocked calls and what the scenario knows of them.
type waiters struct {
	api  *client
	errs *errorLog
	n    int

	phase           atomic.Value // string, for progress lines
	created, opened atomic.Int64
	returned        atomic.Int64
	serverWaiting   atomic.Int64
	firstOpen       time.Time
	wg              sync.WaitGroup
}

func (w *waiters) progress() string {
	phase, _ := w.phase.Load().(string)
	return fmt.Sprintf("%s: %d sessions created, %d calls open, server waiting %d, %d errors",
		phase, w.created.Load(), w.opened.Load()-w.returned.Load(), w.serverWaiting.Load(), w.errs.count())
}

// ended records a blocked call's end: an error unless the bench ended it.
func (w *waiters) ended(waitCtx context.Context, err error) {
	w.returned.Add(1)
	if waitCtx.Err() != nil {
		return
	}
	if err == nil {
		err = errors.New("a blocked call returned before the bench ended it")
	}
	w.errs.add(err)
}

// openREST creates one session per waiter, then blocks a
// GET /messages/pending?wait=300 on each.
func (w *waiters) openREST(runCtx, waitCtx context.Context) error {
	w.phase.Store("creating sessions")
	ids, last := make([]string, w.n), make([]string, w.n)
	var next atomic.Int64
	var setup sync.WaitGroup
	for range min(setupWorkers, w.n) {
		setup.Go(func() {
			for i := next.Add(1) - 1; i < int64(w.n) && runCtx.Err() == nil; i = next.Add(1) - 1 {
				id := uuid.NewString()
				mid, err := w.api.postAgent(runCtx, id, "bench waiter started", false, true)
				if err != nil {
					if runCtx.Err() == nil {
						w.errs.add(err)
					}
					continue
				}
				ids[i], last[i] = id, mid
				w.created.Add(1)
			}
		})
	}
	setup.Wait()
	if w.created.Load() == 0 && runCtx.Err() == nil {
		return fmt.Errorf("could not create any session; the first error: %s", firstSample(w.errs))
	}
	w.phase.Store("opening waits")
	w.firstOpen = time.Now()
	for i := range w.n {
		if runCtx.Err() != nil {
			break
		}
		if ids[i] == "" {
			continue
		}
		w.opened.Add(1)
		w.wg.Go(func() {
			_, _, err := w.api.pending(waitCtx, ids[i], last[i], 300)
			w.ended(waitCtx, err)
		})
	}
	return nil
}

// openMCP calls ask_question once per waiter on one MCP session; each
// call creates its own agent session.
func (w *waiters) openMCP(runCtx, waitCtx context.Context) error {
	w.phase.Store("connecting MCP")
	cs, err := connectMCP(runCtx, w.api)
	if err != nil {
		return err
	}
	w.phase.Store("opening waits")
	w.firstOpen = time.Now()
	var calls sync.WaitGroup
	for range w.n {
		if runCtx.Err() != nil {
			break
		}
		w.opened.Add(1)
		w.created.Add(1)
		calls.Go(func() {
			err := askQuestion(waitCtx, cs, uuid.NewString(), "bench: waiting for an answer that will not come")
			w.ended(waitCtx, err)
		})
	}
	// The session closes once every call has ended.
	w.wg.Go(func() {
		calls.Wait()
		_ = cs.Close()
	})
	return nil
}

// measure waits until the server counts every open call as waiting, lets
// the database work of the calls' first checks finish, then reads the
// server's metrics at the start and the end of the hold.
func (w *waiters) measure(ctx, runCtx context.Context, res *WaitersResult, hold time.Duration) {
	w.phase.Store("waiting for the server to count them")
	reached := false
	for runCtx.Err() == nil && w.returned.Load() < w.opened.Load() && w.errs.limited() == "" {
		m, err := w.api.scrape(runCtx)
		if err == nil {
			n, _ := need(m, metricWaits)
			w.serverWaiting.Store(int64(n))
			// All of them, or all that are left when some failed. The
			// gauge counts every blocked call on the server, not only ours.
			if n >= float64(w.opened.Load()-w.returned.Load()) {
				reached = true
				break
			}
		} else if runCtx.Err() == nil {
			w.errs.add(err)
		}
		sleep(runCtx, 100*time.Millisecond)
	}
	if reached {
		res.ReachedS = round3(time.Since(w.firstOpen).Seconds())
		w.phase.Store("settling")
		w.settle(runCtx)
	} else {
		res.CutShort = res.CutShort || runCtx.Err() != nil
	}

	if w.errs.limited() != "" {
		return
	}
	w.phase.Store("holding")
	first, err := w.api.scrape(ctx)
	if err != nil {
		w.errs.add(err)
		return
	}
	t0 := time.Now()
	if reached {
		deadline, _ := runCtx.Deadline()
		end := t0.Add(hold)
		if deadline.Before(end) {
			end, res.CutShort = deadline, true
		}
		sleep(ctx, time.Until(end))
	}
	last, err := w.api.scrape(ctx)
	if err != nil {
		w.errs.add(err)
		return
	}
	dt := time.Since(t0).Seconds()
	n, _ := need(last, metricWaits)
	w.serverWaiting.Store(int64(n))
	res.Waiting = int64(n)
	res.HoldS = round3(dt)
	res.ServerRSSMB = round3(last[metricRSS] / (1 << 20))
	res.ServerGoroutines = int64(last[metricGoroutines])
	if reached {
		res.DBQueries = int64(last[metricQueries] - first[metricQueries])
		res.DBQueriesPerS = round3(float64(res.DBQueries) / dt)
	}
}

// settleFor bounds how long the scenario waits for the server's query
// counter to stand still before the hold.
const settleFor = 3 * time.Second

// settle returns once the server's query counter stands still for 100 ms:
// a call is counted as waiting before its first look at the database, so
// the last calls' first queries may still be running. A server busy with
// other work never settles; then it gives up after settleFor.
func (w *waiters) settle(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, settleFor)
	defer cancel()
	prev := -1.0
	for ctx.Err() == nil {
		m, err := w.api.scrape(ctx)
		if err != nil {
			return
		}
		q := m[metricQueries]
		if q == prev {
			return
		}
		prev = q
		sleep(ctx, 100*time.Millisecond)
	}
}

// end waits for every blocked call to finish after their context ended.
func (w *waiters) end() {
	w.phase.Store("ending waits")
	done := make(chan struct{})
	go func() {
		w.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		w.errs.add(fmt.Errorf("%d blocked calls did not end within 30 s of being cancelled", w.opened.Load()-w.returned.Load()))
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func firstSample(l *errorLog) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.samples) == 0 {
		return "none recorded"
	}
	return l.samples[0]
}

func (r *WaitersResult) rows(t *table) {
	how := "GET /api/v1/messages/pending?wait=300, one session each"
	if r.Via == ViaMCP {
		how = "MCP ask_question on one client session, one agent session each"
	}
	t.kv("via", "%s (%s)", r.Via, how)
	t.kv("waiters", "%d asked, %d opened", r.Waiters, r.Opened)
	t.kv("waiting", "%d (the server's omnara_waits_in_progress; %d before the bench)", r.Waiting, r.WaitingBefore)
	if r.ReachedS > 0 {
		t.kv("all waiting after", "%s", seconds(r.ReachedS))
	}
	t.kv("hold", "%s between two reads of /metrics", seconds(r.HoldS))
	t.kv("server RSS", "%s MB", num(r.ServerRSSMB))
	t.kv("server goroutines", "%d", r.ServerGoroutines)
	t.kv("DB queries/s", "%s (%d queries during the hold)", num(r.DBQueriesPerS), r.DBQueries)
}
