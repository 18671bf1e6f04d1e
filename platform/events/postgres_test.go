package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omnara-go/omnara/platform/dbtest"
)

func connect(t *testing.T, connString string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// testSchema gives the test a schema of its own, so the broker's channel is
// unique to it, and an admin connection outside that schema.
func testSchema(t *testing.T) (admin *pgx.Conn, schema, connString string) {
	t.Helper()
	connString = dbtest.PostgresSchema(t)
	u, _ := url.Parse(connString)
	return connect(t, dbtest.PostgresURL(t, true)), u.Query().Get("search_path"), connString
}

func newPostgres(t *testing.T, connString string) *Postgres {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := NewPostgres(ctx, connString, slog.New(slog.NewTextHandler(t.Output(), nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func publish(t *testing.T, b Broker, ev Event) {
	t.Helper()
	if err := b.Publish(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
}

func TestChannelName(t *testing.T) {
	if got := channelName("public"); got != "omnara_events" {
		t.Errorf("public: %q", got)
	}
	if got := channelName("tenant-a"); got != "omnara_events_tenant-a" {
		t.Errorf("tenant-a: %q", got)
	}
	long := strings.Repeat("é", 40)
	got := channelName(long)
	if len(got) > maxIdentifier || got == channelName(long+"x") {
		t.Errorf("long schema: %q", got)
	}
}

func TestPostgresChannelFollowsSchema(t *testing.T) {
	base := dbtest.PostgresURL(t, true)
	p := newPostgres(t, base)
	// The test URL normally leaves search_path at its default.
	var schema string
	conn := connect(t, base)
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if want := channelName(schema); p.Channel() != want {
		t.Fatalf("Channel() = %q, want %q", p.Channel(), want)
	}

	_, s, cs := testSchema(t)
	q := newPostgres(t, cs)
	if want := "omnara_events_" + s; q.Channel() != want {
		t.Fatalf("Channel() = %q, want %q", q.Channel(), want)
	}
}

func TestPostgresMissingSchema(t *testing.T) {
	cs := dbtest.WithSearchPath(t, dbtest.PostgresURL(t, true), "events_test_does_not_exist")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if p, err := NewPostgres(ctx, cs, nil); err == nil {
		p.Close()
		t.Fatal("NewPostgres succeeded without a current schema")
	}
}

func TestPostgresUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Port 1 on loopback refuses at once.
	if p, err := NewPostgres(ctx, "postgres://postgres@127.0.0.1:1/x?sslmode=disable", nil); err == nil {
		p.Close()
		t.Fatal("NewPostgres succeeded without a server")
	}
}

func TestPostgresTwoBrokers(t *testing.T) {
	_, _, cs := testSchema(t)
	before := runtime.NumGoroutine()
	a := newPostgres(t, cs)
	b := newPostgres(t, cs)

	subA := a.Subscribe(Filter{UserID: "u1"})
	subB := b.Subscribe(Filter{UserID: "u1"})
	instB := b.Subscribe(Filter{UserID: "u1", InstanceID: "i1"})
	otherB := b.Subscribe(Filter{UserID: "u2"})
	if a.Subscribers() != 1 || b.Subscribers() != 3 {
		t.Fatalf("Subscribers() = %d, %d", a.Subscribers(), b.Subscribers())
	}

	e1 := Event{Kind: "message", UserID: "u1", InstanceID: "i2", MessageID: "m1", Seq: 7}
	e2 := Event{Kind: "message", UserID: "u1", InstanceID: "i1", MessageID: "m2", Seq: 8}
	publish(t, a, e1)
	publish(t, a, e2)

	// One sender sends the queue in order, so events arrive in order.
	for name, s := range map[string]*Subscription{"A": subA, "B": subB} {
		if got := receive(t, s); got != e1 {
			t.Fatalf("%s got %+v, want %+v", name, got, e1)
		}
		if got := receive(t, s); got != e2 {
			t.Fatalf("%s got %+v, want %+v", name, got, e2)
		}
	}
	// The instance filter saw only e2: had e1 got through, it would come first.
	if got := receive(t, instB); got != e2 {
		t.Fatalf("instance filter got %+v, want %+v", got, e2)
	}
	expectNone(t, instB, 100*time.Millisecond)
	expectNone(t, otherB, 0)

	// A foreign payload on the channel is ignored, not fatal.
	if _, err := a.pool.Exec(context.Background(), "SELECT pg_notify($1, 'not json')", a.Channel()); err != nil {
		t.Fatal(err)
	}
	publish(t, b, e1)
	if got := receive(t, subA); got != e1 {
		t.Fatalf("after junk payload got %+v", got)
	}

	subA.Close()
	if a.Subscribers() != 0 {
		t.Fatalf("Subscribers() = %d after Close", a.Subscribers())
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := a.Publish(context.Background(), e1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Publish after Close = %v, want ErrClosed", err)
	}
	_ = b.Close()
	// Broker Close ends remaining subscriptions so their waiters wake.
	expectClosed(t, subB)
	expectClosed(t, instB)
	expectClosed(t, otherB)
	if b.Subscribers() != 0 {
		t.Fatalf("Subscribers() = %d after broker Close", b.Subscribers())
	}
	checkNoLeak(t, before)
}

func TestPostgresReconnect(t *testing.T) {
	admin, _, cs := testSchema(t)
	before := runtime.NumGoroutine()
	a := newPostgres(t, cs)
	b := newPostgres(t, cs)
	subA := a.Subscribe(Filter{UserID: "u1", InstanceID: "i1"})
	subB := b.Subscribe(Filter{UserID: "u1"})

	// The test finds the listening backend the way an operator would.
	var pid uint32
	err := admin.QueryRow(context.Background(),
		"SELECT pid FROM pg_stat_activity WHERE query = $1 AND pid = $2",
		"LISTEN "+pgx.Identifier{a.Channel()}.Sanitize(), int32(a.listenerPID())).Scan(&pid)
	if err != nil {
		t.Fatalf("listen backend not in pg_stat_activity: %v", err)
	}
	var ok bool
	if err := admin.QueryRow(context.Background(), "SELECT pg_terminate_backend($1)", int32(pid)).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend: %v %v", ok, err)
	}

	if got := receive(t, subA); got.Kind != KindResync {
		t.Fatalf("got %+v, want resync", got)
	}
	if newPID := a.listenerPID(); newPID == 0 || newPID == pid {
		t.Fatalf("listener pid %d after reconnect (old %d)", newPID, pid)
	}
	expectNone(t, subB, 100*time.Millisecond) // B's connection was untouched

	ev := Event{Kind: "message", UserID: "u1", InstanceID: "i1", MessageID: "m1"}
	publish(t, a, ev)
	if got := receive(t, subA); got != ev {
		t.Fatalf("A after reconnect got %+v", got)
	}
	if got := receive(t, subB); got != ev {
		t.Fatalf("B got %+v", got)
	}
	publish(t, b, ev)
	if got := receive(t, subA); got != ev {
		t.Fatalf("A from B after reconnect got %+v", got)
	}

	subA.Close()
	subB.Close()
	_ = a.Close()
	_ = b.Close()
	checkNoLeak(t, before)
}

// Several events published in one call arrive, in order, on another
// process's connection; an invalid one refuses the whole call.
func TestPostgresPublishMany(t *testing.T) {
	_, _, cs := testSchema(t)
	a := newPostgres(t, cs)
	b := newPostgres(t, cs)
	sub := b.Subscribe(Filter{UserID: "u1"})
	evs := []Event{
		{Kind: "instance.created", UserID: "u1", InstanceID: "i1"},
		{Kind: "message.created", UserID: "u1", InstanceID: "i1", MessageID: "m1", Seq: 1},
		{Kind: "message.created", UserID: "u1", InstanceID: "i1", MessageID: "m2", Seq: 2},
	}
	if err := a.Publish(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
	for _, want := range evs {
		if got := receive(t, sub); got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	}
	if err := a.Publish(context.Background(), Event{Kind: "ok", UserID: "u1"}, Event{UserID: "u1"}); err == nil {
		t.Fatal("an event without a kind was published")
	}
	expectNone(t, sub, 100*time.Millisecond)
}

// Events sent from a writer's transaction arrive only if it commits, in
// order, and a rolled-back transaction announces nothing.
func TestPostgresPublishStatementRidesTheCommit(t *testing.T) {
	_, _, connString := testSchema(t)
	p := newPostgres(t, connString)
	sub := p.Subscribe(Filter{UserID: "u1"})
	defer sub.Close()
	writer := connect(t, connString)
	ctx := context.Background()

	send := func(commit bool, evs ...Event) {
		t.Helper()
		sql, args, err := p.PublishStatement(evs...)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := writer.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
		// Nothing is delivered while the transaction is open.
		expectNone(t, sub, 100*time.Millisecond)
		if commit {
			err = tx.Commit(ctx)
		} else {
			err = tx.Rollback(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
	}

	send(false, Event{Kind: "rolled.back", UserID: "u1"})
	expectNone(t, sub, 200*time.Millisecond)

	send(true, Event{Kind: "first", UserID: "u1", InstanceID: "i1"}, Event{Kind: "second", UserID: "u1", MessageID: "m1", Seq: 7})
	if ev := receive(t, sub); ev.Kind != "first" || ev.InstanceID != "i1" {
		t.Fatalf("first event: %+v", ev)
	}
	if ev := receive(t, sub); ev.Kind != "second" || ev.MessageID != "m1" || ev.Seq != 7 {
		t.Fatalf("second event: %+v", ev)
	}

	if _, _, err := p.PublishStatement(Event{UserID: "u1"}); err == nil || err.Error() != "events: event has no kind" {
		t.Fatalf("an event without a kind: %v", err)
	}
}

// Publish returns before the events are sent; every event queued before
// Close still goes out, each publisher's in its order, while eight
// publishers share the one sender.
func TestPostgresQueuedEventsGoOutInOrderAndOnClose(t *testing.T) {
	_, _, connString := testSchema(t)
	a := newPostgres(t, connString)
	b := newPostgres(t, connString)
	const publishers, each = 8, bufferSize // each subscriber can hold all of its events
	subs := make([]*Subscription, publishers)
	for i := range subs {
		subs[i] = b.Subscribe(Filter{UserID: fmt.Sprintf("u%d", i)})
		defer subs[i].Close()
	}

	var wg sync.WaitGroup
	for i := range publishers {
		wg.Go(func() {
			for n := range each {
				if err := a.Publish(context.Background(), Event{Kind: "step", UserID: fmt.Sprintf("u%d", i), Seq: int64(n + 1)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for i, s := range subs {
		for n := range each {
			if ev := receive(t, s); ev.Seq != int64(n+1) {
				t.Fatalf("publisher %d: event %d has seq %d", i, n+1, ev.Seq)
			}
		}
	}
	if err := a.Publish(context.Background(), Event{Kind: "late", UserID: "u0"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Publish after Close = %v, want ErrClosed", err)
	}
}
