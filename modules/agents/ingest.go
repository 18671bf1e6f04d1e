package agents

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/omnara-go/omnara/platform/events"
)

const (
	ingestBatch   = 64
	ingestQueue   = 1024
	ingestTimeout = 30 * time.Second
	ingestLinger  = 300 * time.Microsecond
)

// ingester is group commit for agent messages: a writer takes the
// messages queued while its previous batch was written and writes them in
// one transaction, so BEGIN, COMMIT (PostgreSQL's WAL flush, SQLite's WAL
// page writes) and the statements are paid once per batch instead of once
// per message. SQLite, with its single connection, gets one writer;
// PostgreSQL two (more only contend on two cores), which lock their
// instances in id order so their batches cannot deadlock.
type ingester struct {
	s        *Service
	jobs     chan *ingestJob
	stop     chan struct{}
	finished chan struct{} // closed when every writer has returned
	writers  sync.WaitGroup
	batches  atomic.Int64
	written  atomic.Int64
}

type ingestJob struct {
	ctx      context.Context
	w        agentWrite
	res      *AgentMessageResult
	created  bool
	notified bool // a notification was stored with the message
	err      error
	done     chan struct{}
}

func newIngester(s *Service, writers int) *ingester {
	g := &ingester{s: s, jobs: make(chan *ingestJob, ingestQueue), stop: make(chan struct{}), finished: make(chan struct{})}
	for range writers {
		g.writers.Go(g.run)
	}
	go func() { g.writers.Wait(); close(g.finished) }()
	return g
}

// submit queues a message and waits for its batch to commit. A caller
// that gives up while queued is skipped; one that gives up later may find
// its message written, which agents' retries already tolerate.
func (g *ingester) submit(ctx context.Context, w agentWrite) (*AgentMessageResult, error) {
	j := &ingestJob{ctx: ctx, w: w, done: make(chan struct{})}
	select {
	case g.jobs <- j:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-g.stop:
		return nil, ErrStopping
	}
	select {
	case <-j.done:
		return j.res, j.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-g.finished:
		// Writers close done before they return: a job written in the
		// last batch is answered, one that came too late is refused.
		select {
		case <-j.done:
			return j.res, j.err
		default:
			return nil, ErrStopping
		}
	}
}

// close stops taking messages and waits for the queued ones to be written.
func (g *ingester) close() {
	close(g.stop)
	<-g.finished
}

func (g *ingester) run() {
	batch := make([]*ingestJob, 0, ingestBatch)
	linger := time.NewTimer(ingestLinger)
	linger.Stop()
	last := 0 // size of the previous batch
	for {
		select {
		case j := <-g.jobs:
			batch = append(batch[:0], j)
		case <-g.stop:
			// Write what is still queued, then end.
			for {
				batch = batch[:0]
				g.take(&batch)
				if len(batch) == 0 {
					return
				}
				g.write(batch)
			}
		}
		g.take(&batch)
		if last > 1 && len(batch) < ingestBatch {
			g.linger(&batch, linger)
		}
		last = len(batch)
		g.write(batch)
	}
}

// linger waits up to ingestLinger for more messages before a batch is
// written, as PostgreSQL's commit_delay does, but only while messages come
// in groups (the previous batch held several): a lone agent never waits.
// Agents answered by one commit post their next steps together a moment
// later, and a batch costs about the same whatever its size, so waiting
// for them writes more messages per commit (32 agents on SQLite: about
// 7,600 to 8,700 messages/s). Longer waits measured no better.
func (g *ingester) linger(batch *[]*ingestJob, t *time.Timer) {
	t.Reset(ingestLinger)
	defer t.Stop()
	for len(*batch) < ingestBatch {
		select {
		case j := <-g.jobs:
			*batch = append(*batch, j)
			g.take(batch)
		case <-t.C:
			return
		case <-g.stop:
			return
		}
	}
}

// take adds what is already queued, without waiting, up to a full batch.
func (g *ingester) take(batch *[]*ingestJob) {
	for len(*batch) < ingestBatch {
		select {
		case j := <-g.jobs:
			*batch = append(*batch, j)
		default:
			return
		}
	}
}

// write commits a batch in one transaction. If the transaction fails, no
// message of it is kept, and each is written again on its own so one bad
// message cannot fail the others.
func (g *ingester) write(batch []*ingestJob) {
	g.batches.Add(1)
	g.written.Add(int64(len(batch)))
	ctx, cancel := context.WithTimeout(context.Background(), ingestTimeout)
	defer cancel()
	// One announcement for the whole batch, before anyone hears back: with
	// the batch's own commit where the broker can, otherwise after it.
	published := false
	err := g.s.repo.inTx(ctx, func(r repo) error {
		if err := g.s.writeBatch(ctx, r, batch); err != nil {
			return err
		}
		var err error
		published, err = g.s.publishInTx(ctx, r, batchEvents(batch)...)
		return err
	})
	if err != nil {
		// Each message again on its own, announced after its commit, so
		// neither a bad message nor a failed NOTIFY loses the others.
		published = false
		for _, j := range batch {
			if j.err = j.ctx.Err(); j.err == nil {
				j.res, j.created, j.err = g.s.writeAlone(ctx, j.w)
			}
		}
	}
	if evs := batchEvents(batch); !published && len(evs) > 0 {
		g.s.publish(ctx, evs...)
	}
	for _, j := range batch {
		close(j.done)
	}
}

// batchEvents is what the batch's written messages announce.
func batchEvents(batch []*ingestJob) []events.Event {
	var evs []events.Event
	for _, j := range batch {
		if j.err == nil {
			evs = append(evs, j.events()...)
		}
	}
	return evs
}

// IngestStats reports how many batches the agent-message writers committed
// and how many messages they held: their ratio is the group-commit factor.
func (s *Service) IngestStats() (batches, messages int64) {
	return s.ingest.batches.Load(), s.ingest.written.Load()
}
