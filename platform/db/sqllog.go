package db

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"
)

// slowQuery is how long a statement may take before it is logged.
const slowQuery = 250 * time.Millisecond

// sqlLog logs failed and slow statements only. GORM's own slog logger
// renders every statement's SQL (regular expressions over the text) before
// deciding not to log it, which cost 4% of the server's CPU under load;
// this one asks for the SQL only when it will write a line.
type sqlLog struct {
	gormlogger.Interface // the slog logger that writes the lines
}

func newSQLLog(inner gormlogger.Interface) sqlLog { return sqlLog{inner} }

func (l sqlLog) LogMode(level gormlogger.LogLevel) gormlogger.Interface {
	return sqlLog{l.Interface.LogMode(level)}
}

func (l sqlLog) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	failed := err != nil && !errors.Is(err, gorm.ErrRecordNotFound)
	if !failed && time.Since(begin) <= slowQuery {
		return
	}
	l.Interface.Trace(ctx, begin, fc, err)
}

// ParamsFilter keeps statements' values (hashes, emails, message text) out
// of the log: GORM renders the SQL with placeholders only.
func (sqlLog) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
