package loadgen

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// RawTable is the scratch table the raw insert comparison creates and
// drops.
const RawTable = "bench_raw_inserts"

// RawStore is the server's database, opened by the bench itself, for the
// raw single-row insert rate the ingest rate is compared with.
type RawStore struct {
	DB       *sql.DB
	Postgres bool // else SQLite
}

// RawResult is the database's raw insert rate.
type RawResult struct {
	Table       string  `json:"table"`
	Concurrency int     `json:"concurrency"`
	Rows        int64   `json:"rows"`
	ElapsedS    float64 `json:"elapsed_s"`
	RowsPerS    float64 `json:"rows_per_s"`
}

func (s *RawStore) create(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	if _, err := s.DB.ExecContext(ctx, "DROP TABLE IF EXISTS "+RawTable); err != nil {
		return err
	}
	_, err := s.DB.ExecContext(ctx, "CREATE TABLE "+RawTable+" (id TEXT PRIMARY KEY, body TEXT, created_at TIMESTAMP)")
	return err
}

// drop removes the scratch table, even when ctx has ended.
func (s *RawStore) drop(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), requestTimeout)
	defer cancel()
	_, err := s.DB.ExecContext(ctx, "DROP TABLE IF EXISTS "+RawTable)
	return err
}

// insertFor runs concurrency goroutines that each insert single rows, one
// statement per transaction (autocommit), for d. It returns the rows
// inserted and the time taken; n numbers the rows across calls.
func (s *RawStore) insertFor(ctx context.Context, concurrency int, d time.Duration, n *atomic.Int64, errs *errorLog) (int64, time.Duration) {
	insert := "INSERT INTO " + RawTable + " (id, body, created_at) VALUES (?, ?, ?)"
	if s.Postgres {
		insert = "INSERT INTO " + RawTable + " (id, body, created_at) VALUES ($1, $2, $3)"
	}
	var rows atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	stopAt := start.Add(d)
	for range concurrency {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(stopAt) {
				i := n.Add(1)
				ictx, cancel := context.WithTimeout(ctx, requestTimeout)
				_, err := s.DB.ExecContext(ictx, insert, uuid.NewString(), "bench step "+strconv.FormatInt(i, 10), time.Now().UTC())
				cancel()
				if err != nil {
					if ctx.Err() == nil {
						errs.add(errors.New("raw insert: " + err.Error()))
					}
					continue
				}
				rows.Add(1)
			}
		})
	}
	wg.Wait()
	return rows.Load(), time.Since(start)
}
