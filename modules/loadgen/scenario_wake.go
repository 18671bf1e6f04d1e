package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// WakeConfig is the wake scenario: agents ask questions and block until a
// person's answer arrives; an answerer posts each answer after a random
// delay.
type WakeConfig struct {
	Target
	// AnswerURL is where answers are posted (a second server instance on
	// the same database); "" means Target.URL.
	AnswerURL string
	Agents    int // agents asking at once
	Questions int // questions in all (per mode)
	// BaselinePoll, when positive, also runs the same number of questions
	// through agents that poll GET /messages/pending at this interval, as
	// Omnara's own server makes them do, at the same time.
	BaselinePoll time.Duration
	// MinDelay and MaxDelay bound the answerer's random delay (default
	// 20 ms and 200 ms).
	MinDelay, MaxDelay time.Duration
}

// wakeWait is how long each blocking GET waits (it asks again when it
// times out without an answer).
const wakeWait = 60

// WakeResult is what the wake scenario measured.
type WakeResult struct {
	Header
	AnswerURL string `json:"answer_url"`
	Agents    int    `json:"agents"`
	Questions int    `json:"questions"`
	// AnswerDelay is the range of the answerer's random delay, e.g. "20ms-200ms".
	AnswerDelay string `json:"answer_delay"`
	// Events are agents blocked in GET /messages/pending?wait=60.
	Events WakeMode `json:"events"`
	// Poll are the polling agents, when asked for.
	Poll *WakeMode `json:"baseline_poll,omitempty"`
	// Speedup is the polling agents' mean latency over the waiting agents'
	// (how many times faster events are); absent without a baseline or
	// when every event beat the answer's own response.
	Speedup *float64 `json:"speedup,omitempty"`
}

// WakeMode is one way of waiting and its wake-up latencies.
type WakeMode struct {
	How    string `json:"how"`
	Errors int64  `json:"errors"`
	// Latency runs from the answer's POST returning to the waiting call
	// returning, clamped at 0: the event often wakes the agent before the
	// POST's own response arrives.
	Latency Latency `json:"latency"`
	// FromAnswerSent runs from the answer's POST being sent instead.
	FromAnswerSent Latency `json:"from_answer_sent"`
}

// RunWake runs the wake scenario.
func RunWake(ctx context.Context, cfg WakeConfig) (*WakeResult, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Agents < 1 || cfg.Questions < 1 {
		return nil, errors.New("wake needs at least one agent and one question")
	}
	if cfg.MinDelay == 0 && cfg.MaxDelay == 0 {
		cfg.MinDelay, cfg.MaxDelay = 20*time.Millisecond, 200*time.Millisecond
	}
	if cfg.MaxDelay < cfg.MinDelay {
		return nil, errors.New("the answer delay's maximum is below its minimum")
	}
	if cfg.AnswerURL == "" {
		cfg.AnswerURL = cfg.URL
	}
	modes := []*wakeRun{{how: fmt.Sprintf("GET pending?wait=%d (events)", wakeWait), wait: wakeWait}}
	if cfg.BaselinePoll > 0 {
		modes = append(modes, &wakeRun{how: "poll GET pending every " + cfg.BaselinePoll.String(), poll: cfg.BaselinePoll})
	}
	tr := NewTransport(3 * cfg.Agents * len(modes))
	defer tr.CloseIdleConnections()
	api := newClient(cfg.URL, cfg.APIKey, tr)
	ans := &answerer{api: newClient(cfg.AnswerURL, cfg.APIKey, tr), min: cfg.MinDelay, max: cfg.MaxDelay}
	if _, err := api.verify(ctx); err != nil {
		return nil, err
	}
	if cfg.AnswerURL != cfg.URL {
		if _, err := ans.api.verify(ctx); err != nil {
			return nil, fmt.Errorf("--answer-url: %w", err)
		}
	}

	res := &WakeResult{AnswerURL: ans.api.base, Agents: cfg.Agents, Questions: cfg.Questions, AnswerDelay: cfg.MinDelay.String() + "-" + cfg.MaxDelay.String()}
	res.start("wake", api.base, cfg.Duration)
	errs := &errorLog{}
	started := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	stop := startProgress(cfg.Progress, "wake", started, func() string {
		line := ""
		for _, m := range modes {
			line += fmt.Sprintf("%s %d/%d answered, ", m.name(), m.done.Load(), cfg.Questions)
		}
		return line + fmt.Sprintf("%d errors", errs.count())
	})
	var wg sync.WaitGroup
	for _, m := range modes {
		m.api, m.ans, m.errs, m.total = api, ans, errs, int64(cfg.Questions)
		for range cfg.Agents {
			wg.Go(func() { m.agent(runCtx) })
		}
	}
	wg.Wait()
	stop()

	res.finish(started, errs)
	for _, m := range modes {
		if m.done.Load() < m.total && runCtx.Err() != nil {
			res.CutShort = true
		}
	}
	res.Events = modes[0].result()
	if len(modes) > 1 {
		p := modes[1].result()
		res.Poll = &p
		if res.Events.Latency.Mean > 0 && p.Latency.Count > 0 {
			res.Speedup = new(round3(p.Latency.Mean / res.Events.Latency.Mean))
		}
	}
	return res, nil
}

// answerer plays the person: it posts each answer after a random delay,
// on its own connections (and server, with --answer-url).
type answerer struct {
	api      *client
	min, max time.Duration
}

// answer waits a random delay, then posts the answer, and returns when it
// sent the POST and when the POST returned.
func (a *answerer) answer(ctx context.Context, instanceID string) (sent, returned time.Time, err error) {
	delay := a.min + rand.N(a.max-a.min+1)
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return sent, returned, ctx.Err()
	}
	sent = time.Now()
	err = a.api.postUser(ctx, instanceID, "yes, go ahead")
	return sent, time.Now(), err
}

// wakeRun is one mode's agents and what they measured.
type wakeRun struct {
	how  string
	wait int           // seconds per blocking GET, events mode
	poll time.Duration // interval, polling mode

	api   *client
	ans   *answerer
	errs  *errorLog
	total int64

	next, done, failed atomic.Int64
	lat, fromSent      samples
}

func (r *wakeRun) name() string {
	if r.poll > 0 {
		return "poll"
	}
	return "events"
}

func (r *wakeRun) result() WakeMode {
	return WakeMode{How: r.how, Errors: r.failed.Load(), Latency: r.lat.summary(), FromAnswerSent: r.fromSent.summary()}
}

// fail records an error unless the run is over, which cancels whatever
// was in flight.
func (r *wakeRun) fail(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	r.failed.Add(1)
	r.errs.add(err)
}

// agent opens a session, then asks questions until the run has asked
// them all.
func (r *wakeRun) agent(ctx context.Context) {
	id := uuid.NewString()
	if _, err := r.api.postAgent(ctx, id, "bench agent started", false, true); err != nil {
		r.fail(ctx, err)
		return
	}
	for ctx.Err() == nil && r.next.Add(1) <= r.total {
		r.ask(ctx, id)
	}
}

type wakeUp struct {
	at  time.Time
	err error
}

// ask posts one question, waits for its answer while the answerer posts
// it, and records the latency.
func (r *wakeRun) ask(ctx context.Context, id string) {
	qid, err := r.api.postAgent(ctx, id, "bench question: proceed?", true, false)
	if err != nil {
		r.fail(ctx, err)
		return
	}
	waitCtx, cancelWait := context.WithCancel(ctx)
	defer cancelWait()
	woke := make(chan wakeUp, 1)
	go func() {
		at, err := r.awaitAnswer(waitCtx, id, qid)
		woke <- wakeUp{at, err}
	}()
	sent, returned, err := r.ans.answer(ctx, id)
	if err != nil {
		cancelWait()
		<-woke
		r.fail(ctx, err)
		return
	}
	w := <-woke
	if w.err != nil {
		r.fail(ctx, w.err)
		return
	}
	r.lat.add(max(0, w.at.Sub(returned)))
	r.fromSent.add(w.at.Sub(sent))
	r.done.Add(1)
}

// awaitAnswer returns when GET /messages/pending delivers the answer to
// question qid: blocking in ?wait= calls, or polling at r.poll. A poller
// starts at a random point of its interval: a person answers at a random
// moment of a poller's clock, whereas the bench's short answer delay would
// otherwise always land just after the first poll.
func (r *wakeRun) awaitAnswer(ctx context.Context, id, qid string) (time.Time, error) {
	if r.poll > 0 {
		sleep(ctx, rand.N(r.poll))
	}
	for {
		n, stale, err := r.api.pending(ctx, id, qid, r.wait)
		switch {
		case err != nil:
			return time.Time{}, err
		case n > 0:
			return time.Now(), nil
		case stale:
			return time.Time{}, errors.New("GET /api/v1/messages/pending: answered stale (the read pointer moved), so the answer went elsewhere")
		}
		if r.poll > 0 {
			sleep(ctx, r.poll)
		}
	}
}

func (r *WakeResult) rows(t *table) {
	agents := fmt.Sprintf("%d", r.Agents)
	if r.Poll != nil {
		agents += fmt.Sprintf(" waiting on events and %d polling, at the same time", r.Agents)
	}
	t.kv("agents", "%s", agents)
	per := ""
	if r.Poll != nil {
		per = " per mode"
	}
	t.kv("questions", "%d%s, each answered after a random %s", r.Questions, per, r.AnswerDelay)
	if r.AnswerURL != r.URL {
		t.kv("answers posted to", "%s", r.AnswerURL)
	}
	t.latencyHead("wake-up latency")
	t.latency("events: after the answer's POST returned", r.Events.Latency)
	t.latency("events: after the answer's POST was sent", r.Events.FromAnswerSent)
	if r.Poll != nil {
		t.latency("poll: after the answer's POST returned", r.Poll.Latency)
		t.latency("poll: after the answer's POST was sent", r.Poll.FromAnswerSent)
	}
	t.line("")
	t.kv("events", "%s, %d errors", r.Events.How, r.Events.Errors)
	if r.Poll != nil {
		t.kv("poll", "%s, %d errors", r.Poll.How, r.Poll.Errors)
		switch {
		case r.Speedup != nil:
			t.kv("speed-up", "events are %s× faster than polling (mean after the answer's POST returned)", num(*r.Speedup))
		case r.Poll.Latency.Count > 0:
			t.kv("speed-up", "not measurable: every event arrived before the answer's POST returned")
		}
	}
}
