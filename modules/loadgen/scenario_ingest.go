package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// IngestConfig is the ingest scenario: agents post steps to their own
// sessions as fast as they can for Target.Duration.
type IngestConfig struct {
	Target
	Agents int
	// Raw, when set, also measures the database's raw single-row insert
	// rate with the same concurrency: half of RawDuration just before the
	// agents post and half just after (the rate drifts on busy machines).
	Raw         *RawStore
	RawDuration time.Duration // default the smaller of 5 s and Duration
}

// IngestResult is what the ingest scenario measured.
type IngestResult struct {
	Header
	Agents int `json:"agents"`
	// Messages were answered 200; the rate divides them by the time the
	// agents posted.
	Messages     int64      `json:"messages"`
	PostingS     float64    `json:"posting_s"`
	MessagesPerS float64    `json:"messages_per_s"`
	Latency      Latency    `json:"latency"`
	Raw          *RawResult `json:"raw,omitempty"`
	// IngestToRaw is messages_per_s over the raw rows_per_s.
	IngestToRaw float64 `json:"ingest_to_raw,omitempty"`
}

// RunIngest runs the ingest scenario.
func RunIngest(ctx context.Context, cfg IngestConfig) (*IngestResult, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Agents < 1 {
		return nil, errors.New("ingest needs at least one agent")
	}
	if cfg.RawDuration <= 0 {
		cfg.RawDuration = min(5*time.Second, cfg.Duration)
	}
	tr := NewTransport(cfg.Agents + 8)
	defer tr.CloseIdleConnections()
	api := newClient(cfg.URL, cfg.APIKey, tr)
	if _, err := api.verify(ctx); err != nil {
		return nil, err
	}
	res := &IngestResult{Agents: cfg.Agents}
	res.start("ingest", api.base, cfg.Duration)
	errs := &errorLog{}
	started := time.Now()
	var phase atomic.Value
	var sent, rawRows atomic.Int64
	stop := startProgress(cfg.Progress, "ingest", started, func() string {
		p, _ := phase.Load().(string)
		if p == "raw" {
			return fmt.Sprintf("raw inserts: %d rows, %d errors", rawRows.Load(), errs.count())
		}
		return fmt.Sprintf("%s: %d messages sent, %d errors", p, sent.Load(), errs.count())
	})
	defer stop()

	phase.Store("creating sessions")
	ids := make([]string, cfg.Agents)
	var setup sync.WaitGroup
	for i := range ids {
		setup.Go(func() {
			id := uuid.NewString()
			if _, err := api.postAgent(ctx, id, "bench agent started", false, true); err != nil {
				errs.add(err)
				return
			}
			ids[i] = id
		})
	}
	setup.Wait()

	var raw *RawResult
	dropTable := func() {}
	if cfg.Raw != nil {
		if err := cfg.Raw.create(ctx); err != nil {
			return nil, fmt.Errorf("create the scratch table %s: %w", RawTable, err)
		}
		dropped := false
		defer func() {
			if !dropped {
				_ = cfg.Raw.drop(ctx)
			}
		}()
		dropTable = func() {
			dropped = true
			if err := cfg.Raw.drop(ctx); err != nil {
				errs.add(fmt.Errorf("drop the scratch table %s: %w", RawTable, err))
			}
		}
		raw = &RawResult{Table: RawTable, Concurrency: cfg.Agents}
		phase.Store("raw")
		rows, took := cfg.Raw.insertFor(ctx, cfg.Agents, cfg.RawDuration/2, &rawRows, errs)
		raw.Rows, raw.ElapsedS = rows, took.Seconds()
	}

	phase.Store("posting")
	var lat samples
	var ok atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	stopAt := start.Add(cfg.Duration)
	for _, id := range ids {
		if id == "" {
			continue
		}
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(stopAt) {
				n := sent.Add(1)
				t := time.Now()
				err := api.call(ctx, http.MethodPost, "/api/v1/messages/agent", stepBody(id, n), requestTimeout, nil)
				if err != nil {
					if ctx.Err() == nil {
						errs.add(err)
					}
					continue
				}
				lat.add(time.Since(t))
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	posting := time.Since(start)
	res.CutShort = ctx.Err() != nil

	if raw != nil {
		phase.Store("raw")
		rows, took := cfg.Raw.insertFor(ctx, cfg.Agents, cfg.RawDuration/2, &rawRows, errs)
		raw.Rows += rows
		raw.ElapsedS += took.Seconds()
		if raw.ElapsedS > 0 {
			raw.RowsPerS = round3(float64(raw.Rows) / raw.ElapsedS)
		}
		raw.ElapsedS = round3(raw.ElapsedS)
		res.Raw = raw
	}
	dropTable()
	stop()

	res.Messages = ok.Load()
	res.PostingS = round3(posting.Seconds())
	res.MessagesPerS = round3(float64(res.Messages) / posting.Seconds())
	res.Latency = lat.summary()
	if raw != nil && raw.RowsPerS > 0 {
		res.IngestToRaw = round3(res.MessagesPerS / raw.RowsPerS)
	}
	res.finish(started, errs)
	return res, nil
}

func (r *IngestResult) rows(t *table) {
	t.kv("agents", "%d, each posting steps to its own session", r.Agents)
	t.kv("messages", "%s in %s", num(float64(r.Messages)), seconds(r.PostingS))
	t.kv("messages/s", "%s", num(r.MessagesPerS))
	if r.Raw != nil {
		t.kv("raw inserts/s", "%s (%s single-row INSERTs into %s from %d goroutines, half before and half after the API run)",
			num(r.Raw.RowsPerS), num(float64(r.Raw.Rows)), r.Raw.Table, r.Raw.Concurrency)
		t.kv("API / raw", "%s%%", num(100*r.IngestToRaw))
	}
	t.latencyHead("POST /api/v1/messages/agent")
	t.latency("request latency", r.Latency)
	t.line("")
}
