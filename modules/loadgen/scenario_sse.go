package loadgen

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// SSEConfig is the sse scenario: one person keeps many live pages open on
// one session while its agent posts steps, and each step's delivery to
// every page is timed.
type SSEConfig struct {
	Target
	// Email and Password sign in the person who owns the API key.
	Email, Password string
	Streams         int           // live pages (SSE streams) open at once
	Messages        int           // steps the agent posts, one at a time
	Interval        time.Duration // between the starts of two posts (default 20 ms)
}

const (
	// openers is how many streams are opened at once.
	openers = 32
	// deliveryGrace is how long events may take after the last post.
	deliveryGrace = 10 * time.Second
)

// SSEResult is what the sse scenario measured.
type SSEResult struct {
	Header
	InstanceID string `json:"instance_id"`
	Streams    int    `json:"streams"`
	Messages   int    `json:"messages"`
	// Posted steps were answered 200; each should reach every stream.
	Posted     int64 `json:"posted"`
	Deliveries int64 `json:"deliveries"`
	Missing    int64 `json:"missing"`
	// Latency runs from a step's POST starting to its message event
	// arriving on a stream, one sample per delivery.
	Latency Latency `json:"latency"`
}

// Err adds deliveries that never arrived to failed requests.
func (r *SSEResult) Err() error {
	if err := r.Header.Err(); err != nil {
		return err
	}
	if r.Missing > 0 && !r.CutShort {
		return fmt.Errorf("%d of %d deliveries never arrived", r.Missing, r.Posted*int64(r.Streams))
	}
	return nil
}

// RunSSE runs the sse scenario.
func RunSSE(ctx context.Context, cfg SSEConfig) (*SSEResult, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	switch {
	case cfg.Streams < 1 || cfg.Messages < 1:
		return nil, errors.New("sse needs at least one stream and one message")
	case cfg.Email == "" || cfg.Password == "":
		return nil, errors.New("sse needs the email and password of the API key's owner")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 20 * time.Millisecond
	}
	tr := NewTransport(cfg.Streams + 16)
	defer tr.CloseIdleConnections()
	api := newClient(cfg.URL, cfg.APIKey, tr)
	owner, err := api.verify(ctx)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(owner, cfg.Email) {
		return nil, fmt.Errorf("the API key belongs to %s, not %s: the live pages would not show its session", owner, cfg.Email)
	}
	br, err := signIn(ctx, api.base, cfg.Email, cfg.Password, tr)
	if err != nil {
		return nil, err
	}
	defer br.signOut(ctx)

	res := &SSEResult{Streams: cfg.Streams, Messages: cfg.Messages}
	res.start("sse", api.base, cfg.Duration)
	errs := &errorLog{}
	started := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	res.InstanceID = uuid.NewString()
	if _, err := api.postAgent(runCtx, res.InstanceID, "bench live session started", false, true); err != nil {
		return nil, fmt.Errorf("create the session: %w", err)
	}

	run := &sseRun{br: br, errs: errs, instance: res.InstanceID, messages: cfg.Messages, marker: newMarker()}
	var phase atomic.Value
	phase.Store("opening streams")
	var posted atomic.Int64
	stop := startProgress(cfg.Progress, "sse", started, func() string {
		p, _ := phase.Load().(string)
		return fmt.Sprintf("%s: %d streams open, %d/%d posted, %d deliveries, %d errors",
			p, run.open.Load(), posted.Load(), cfg.Messages, run.delivered.Load(), errs.count())
	})
	defer stop()
	streamCtx, closeStreams := context.WithCancel(runCtx)
	defer func() {
		closeStreams()
		run.wg.Wait()
	}()
	if err := run.openAll(streamCtx, cfg.Streams); err != nil {
		return nil, err
	}

	phase.Store("posting")
	starts := make([]time.Time, cfg.Messages)
	ok := make([]bool, cfg.Messages)
	for k := range cfg.Messages {
		if runCtx.Err() != nil {
			break
		}
		starts[k] = time.Now()
		if _, err := api.postAgent(runCtx, res.InstanceID, run.marker.content(k), false, false); err != nil {
			if runCtx.Err() == nil {
				errs.add(err)
			}
			continue
		}
		ok[k] = true
		posted.Add(1)
		sleep(runCtx, time.Until(starts[k].Add(cfg.Interval)))
	}

	phase.Store("waiting for deliveries")
	want := posted.Load() * int64(cfg.Streams)
	grace, cancelGrace := context.WithTimeout(runCtx, deliveryGrace)
	for grace.Err() == nil && run.delivered.Load() < want {
		sleep(grace, 5*time.Millisecond)
	}
	cancelGrace()
	res.CutShort = runCtx.Err() != nil
	closeStreams()
	run.wg.Wait()
	stop()

	var lat []time.Duration
	for _, s := range run.streams {
		for k, at := range s.arrivals {
			switch {
			case !ok[k]:
			case at.IsZero():
				res.Missing++
			default:
				lat = append(lat, at.Sub(starts[k]))
			}
		}
	}
	res.Posted = posted.Load()
	res.Deliveries = int64(len(lat))
	res.Latency = Summarize(lat)
	res.finish(started, errs)
	return res, nil
}

// sseRun is the open streams and what they received.
type sseRun struct {
	br       *browser
	errs     *errorLog
	instance string
	messages int
	marker   marker

	streams   []*sseStream
	open      atomic.Int64
	delivered atomic.Int64
	wg        sync.WaitGroup
}

// sseStream is one live page. Its reader goroutine alone writes arrivals,
// which are read once it has ended.
type sseStream struct {
	arrivals []time.Time // by message index; zero when not (yet) received
}

// openAll opens n streams, a few at a time, and starts reading each. A
// stream the server refuses stops the run.
func (r *sseRun) openAll(ctx context.Context, n int) error {
	r.streams = make([]*sseStream, n)
	var mu sync.Mutex
	var failed error
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failed != nil
	}
	var next atomic.Int64
	var opening sync.WaitGroup
	for range min(openers, n) {
		opening.Go(func() {
			for i := next.Add(1) - 1; i < int64(n) && !stopped() && ctx.Err() == nil; i = next.Add(1) - 1 {
				s := &sseStream{arrivals: make([]time.Time, r.messages)}
				if err := r.openOne(ctx, s, int(i), n); err != nil {
					mu.Lock()
					failed = cmp.Or(failed, err)
					mu.Unlock()
					return
				}
				r.streams[i] = s
			}
		})
	}
	opening.Wait()
	if errors.Is(failed, errTooManyStreams) {
		return fmt.Errorf("the server refused to open more than %d of the %d live streams (429 Too Many Requests): it limits the live pages one person may have open; raise --max-live-streams (env OMNARA_MAX_LIVE_STREAMS) on the server to at least %d", r.open.Load(), n, n)
	}
	if failed != nil {
		return failed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("the time bound ended while opening the live streams (%d of %d open)", r.open.Load(), n)
	}
	return nil
}

// errTooManyStreams is the server's 429 on a stream: one person's live
// pages are limited.
var errTooManyStreams = errors.New("too many live streams")

// openOne opens stream i of n and starts its reader.
func (r *sseRun) openOne(ctx context.Context, s *sseStream, i, n int) error {
	sctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, r.br.base+"/events?instance="+url.QueryEscape(r.instance), nil)
	if err != nil {
		cancel()
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("User-Agent", userAgent)
	// The stream stays open, so only the wait for its headers is bounded.
	slow := time.AfterFunc(requestTimeout, cancel)
	res, err := r.br.hc.Do(req)
	if !slow.Stop() && err == nil {
		res.Body.Close()
		err = errors.New("no answer within " + requestTimeout.String())
	}
	if err != nil {
		cancel()
		return fmt.Errorf("open live stream %d of %d: %s", i+1, n, describe(unwrapURLError(err)))
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		cancel()
		if res.StatusCode == http.StatusTooManyRequests {
			return errTooManyStreams
		}
		return fmt.Errorf("open live stream %d of %d: GET /events answered %d", i+1, n, res.StatusCode)
	}
	r.open.Add(1)
	r.wg.Go(func() {
		defer cancel()
		defer res.Body.Close()
		err := readEvents(res.Body, func(event, data string) {
			if event != "message" {
				return
			}
			if k, ok := r.marker.find(data, r.messages); ok && s.arrivals[k].IsZero() {
				s.arrivals[k] = time.Now()
				r.delivered.Add(1)
			}
		})
		if ctx.Err() == nil {
			if err == nil {
				err = errors.New("the server closed it")
			}
			r.errs.add(fmt.Errorf("live stream %d ended early: %v", i+1, err))
		}
	})
	return nil
}

// marker tags the bench's steps so each event names its message:
// "bench<run>n<index>z" survives Markdown rendering and JSON unchanged.
type marker struct{ run string }

var markerRE = regexp.MustCompile(`bench([0-9a-f]{12})n([0-9]+)z`)

func newMarker() marker {
	return marker{run: strings.ReplaceAll(uuid.NewString(), "-", "")[:12]}
}

func (m marker) content(k int) string {
	return fmt.Sprintf("Bench live step %d (bench%sn%dz)", k+1, m.run, k)
}

// find returns the message index an event's data names, if it is one of
// this run's n messages.
func (m marker) find(data string, n int) (int, bool) {
	for _, sub := range markerRE.FindAllStringSubmatch(data, -1) {
		if sub[1] != m.run {
			continue
		}
		k, err := strconv.Atoi(sub[2])
		if err == nil && k >= 0 && k < n {
			return k, true
		}
	}
	return 0, false
}

func (r *SSEResult) rows(t *table) {
	t.kv("session", "%s", r.InstanceID)
	t.kv("live streams", "%d on the session's page", r.Streams)
	t.kv("steps posted", "%d of %d, one at a time", r.Posted, r.Messages)
	t.kv("deliveries", "%d of %d (%d missing)", r.Deliveries, r.Posted*int64(r.Streams), r.Missing)
	t.latencyHead("from the POST's start to the event")
	t.latency("delivery latency", r.Latency)
	t.line("")
}
