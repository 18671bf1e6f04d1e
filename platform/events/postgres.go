package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Timeouts and backoff for the network calls; every call is bounded so a
// stuck server cannot hang a publisher or the reconnect loop.
const (
	connectTimeout = 5 * time.Second
	publishTimeout = 5 * time.Second
	closeTimeout   = 5 * time.Second
	backoffMin     = 100 * time.Millisecond
	backoffMax     = 5 * time.Second
	publishConns   = 2
	// outboxSize bounds the events queued for the sender; a publisher
	// that finds it full waits (up to publishTimeout) rather than reorder.
	outboxSize = 4096
	// sendBatch bounds the events of one NOTIFY statement.
	sendBatch = 512
)

// Postgres is the broker for several processes sharing one database: NOTIFY
// to publish, one dedicated LISTEN connection per process, and a Memory
// fan-out to local subscribers. A process hears its own notifications through
// the listen loop, so local and remote events reach subscribers by one path.
type Postgres struct {
	mem     *Memory
	pool    *pgxpool.Pool
	cfg     *pgx.ConnConfig
	channel string
	logger  *slog.Logger

	stop context.CancelFunc
	done chan struct{} // closed when the listen loop has returned

	mu   sync.Mutex
	conn *pgx.Conn // current listen connection, nil while reconnecting

	// outbox feeds the sender, which NOTIFYs whatever queued while its
	// previous statement ran in one statement: group commit for events.
	outbox   chan string
	stopSend chan struct{}
	sent     chan struct{} // closed when the sender has returned

	closed    atomic.Bool
	closeOnce sync.Once
}

// NewPostgres connects the listen connection, LISTENs and starts the listen
// loop. The first connection must succeed or NewPostgres returns an error;
// later failures are retried in the background. ctx bounds only this setup:
// the loop runs until Close. A nil logger discards logs.
func NewPostgres(ctx context.Context, connString string, logger *slog.Logger) (*Postgres, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("events: parse connection string: %w", err)
	}
	poolCfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("events: parse connection string: %w", err)
	}
	poolCfg.MaxConns = publishConns

	p := &Postgres{
		mem: NewMemory(), cfg: cfg, logger: logger, done: make(chan struct{}),
		outbox: make(chan string, outboxSize), stopSend: make(chan struct{}), sent: make(chan struct{}),
	}

	conn, err := p.connect(ctx, true)
	if err != nil {
		return nil, err
	}
	// The pool connects lazily, so creating it does no network I/O.
	p.pool, err = pgxpool.NewWithConfig(context.WithoutCancel(ctx), poolCfg)
	if err != nil {
		closeConn(conn)
		return nil, fmt.Errorf("events: create publish pool: %w", err)
	}
	p.conn = conn

	loopCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	p.stop = stop
	go p.run(loopCtx, conn)
	go p.send()
	return p, nil
}

// connect opens a listen connection and LISTENs. On the first connection it
// also derives the channel name from the connection's current schema.
func (p *Postgres) connect(ctx context.Context, first bool) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()

	conn, err := pgx.ConnectConfig(ctx, p.cfg)
	if err != nil {
		return nil, fmt.Errorf("events: connect: %w", err)
	}
	if first {
		var schema *string
		if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			closeConn(conn)
			return nil, fmt.Errorf("events: read current schema: %w", err)
		}
		if schema == nil {
			closeConn(conn)
			return nil, errors.New("events: no current schema (does the search_path schema exist?)")
		}
		p.channel = channelName(*schema)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{p.channel}.Sanitize()); err != nil {
		closeConn(conn)
		return nil, fmt.Errorf("events: listen on %q: %w", p.channel, err)
	}
	return conn, nil
}

// run owns the listen connection: it waits for notifications, and when the
// connection fails it reconnects with backoff and tells every subscriber to
// resync, since notifications sent meanwhile are lost.
func (p *Postgres) run(ctx context.Context, conn *pgx.Conn) {
	defer close(p.done)
	backoff := backoffMin
	for {
		since := time.Now()
		err := p.listen(ctx, conn)
		p.setConn(nil)
		closeConn(conn)
		if ctx.Err() != nil {
			return
		}
		p.logger.Warn("events: listen connection lost", "channel", p.channel, "err", err)

		// A connection that dies right after connecting keeps growing the
		// backoff rather than resetting it, so a flapping server is not
		// hammered and subscribers are not flooded with resyncs.
		if time.Since(since) > backoffMax {
			backoff = backoffMin
		}
		for {
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(backoff*2, backoffMax)
			conn, err = p.connect(ctx, false)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
			p.logger.Warn("events: reconnect failed", "channel", p.channel, "err", err, "retry_in", backoff)
		}
		p.setConn(conn)
		p.logger.Info("events: listen connection restored", "channel", p.channel)
		_ = p.mem.deliver(Event{Kind: KindResync})
	}
}

// listen fans notifications out until the connection fails or ctx ends.
func (p *Postgres) listen(ctx context.Context, conn *pgx.Conn) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n == nil || n.Channel != p.channel {
			continue
		}
		var ev Event
		if err := json.Unmarshal([]byte(n.Payload), &ev); err != nil || validate(ev) != nil {
			p.logger.Warn("events: ignoring malformed notification", "channel", p.channel, "payload", n.Payload)
			continue
		}
		_ = p.mem.deliver(ev)
	}
}

func (p *Postgres) setConn(conn *pgx.Conn) {
	p.mu.Lock()
	p.conn = conn
	p.mu.Unlock()
}

// listenerPID returns the backend pid of the listen connection (0 while
// reconnecting); tests use it to kill the connection.
func (p *Postgres) listenerPID() uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn == nil {
		return 0
	}
	return p.conn.PgConn().PID()
}

// Channel returns the NOTIFY channel this process listens on.
func (p *Postgres) Channel() string { return p.channel }

// notifySQL sends a batch of payloads in one statement, in order.
// (PostgreSQL drops a repeat of an identical payload within one
// transaction, which costs nothing here: events are wake-up hints.)
const notifySQL = "SELECT pg_notify($1, payload) FROM unnest($2::text[]) WITH ORDINALITY AS t(payload, n) ORDER BY n"

// Publish queues events for the sender and returns: a request that
// announces a change does not wait for a round trip and a commit of its
// own, and events queued together go out in one statement. Order is kept.
// They reach local subscribers through the listen loop like everyone
// else's.
func (p *Postgres) Publish(ctx context.Context, evs ...Event) error {
	if p.closed.Load() {
		return ErrClosed
	}
	payloads, err := encode(evs)
	if err != nil {
		return err
	}
	var timeout <-chan time.Time
	for _, payload := range payloads {
		select {
		case p.outbox <- payload:
			continue
		default:
		}
		if timeout == nil {
			t := time.NewTimer(publishTimeout)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case p.outbox <- payload:
		case <-p.stopSend:
			return ErrClosed
		case <-ctx.Done():
			return fmt.Errorf("events: publish: %w", ctx.Err())
		case <-timeout:
			return errors.New("events: publish: the queue stayed full (is PostgreSQL answering?)")
		}
	}
	return nil
}

// send NOTIFYs queued events until Close, then what is still queued, for
// at most closeTimeout: a database that does not answer cannot hold up
// shutdown.
func (p *Postgres) send() {
	defer close(p.sent)
	batch := make([]string, 0, sendBatch)
	for {
		select {
		case payload := <-p.outbox:
			batch = append(batch[:0], payload)
		case <-p.stopSend:
			ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
			defer cancel()
			for {
				batch = p.drain(batch[:0])
				if len(batch) == 0 || p.notify(ctx, batch) != nil {
					return
				}
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
		_ = p.notify(ctx, p.drain(batch))
		cancel()
	}
}

// drain adds what is already queued, without waiting, up to a full batch.
func (p *Postgres) drain(batch []string) []string {
	for len(batch) < sendBatch {
		select {
		case payload := <-p.outbox:
			batch = append(batch, payload)
		default:
			return batch
		}
	}
	return batch
}

// notify sends one batch. A failure loses these events, which are hints:
// the data is in the database, and receivers re-read it on their next
// event or resync.
func (p *Postgres) notify(ctx context.Context, payloads []string) error {
	_, err := p.pool.Exec(ctx, notifySQL, p.channel, payloads)
	if err != nil {
		p.logger.Warn("events: notify failed; receivers catch up on their next event", "channel", p.channel, "events", len(payloads), "err", err)
	}
	return err
}

// PublishStatement is Publish for a writer's own transaction: NOTIFY is
// delivered at COMMIT, so the events cost no extra round trip and commit.
func (p *Postgres) PublishStatement(evs ...Event) (string, []any, error) {
	payloads, err := encode(evs)
	if err != nil {
		return "", nil, err
	}
	return notifySQL, []any{p.channel, payloads}, nil
}

func encode(evs []Event) ([]string, error) {
	payloads := make([]string, 0, len(evs))
	for _, ev := range evs {
		if err := validate(ev); err != nil {
			return nil, err
		}
		payload, err := json.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("events: encode: %w", err)
		}
		payloads = append(payloads, string(payload))
	}
	return payloads, nil
}

// Subscribe registers a local subscription.
func (p *Postgres) Subscribe(f Filter) *Subscription { return p.mem.Subscribe(f) }

// Wake registers a local subscription that keeps at most one pending event.
func (p *Postgres) Wake(f Filter) *Subscription { return p.mem.Wake(f) }

// Subscribers returns the number of open local subscriptions.
func (p *Postgres) Subscribers() int { return p.mem.Subscribers() }

// Dropped returns how many local deliveries were discarded on full buffers.
func (p *Postgres) Dropped() uint64 { return p.mem.Dropped() }

// Close sends the events still queued, stops the listen loop, closes the
// listen connection and the publish pool, then closes the channel of every
// remaining subscription. It waits for the loop to exit, is idempotent and
// returns nil.
func (p *Postgres) Close() error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		close(p.stopSend)
		<-p.sent // queued events go out first
		p.stop()
		<-p.done
		p.pool.Close()
		_ = p.mem.Close()
	})
	return nil
}

// closeConn closes conn with a bounded wait; the connection may already be
// broken, so errors are irrelevant.
func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	_ = conn.Close(ctx)
}

// sleep waits d or until ctx ends; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
