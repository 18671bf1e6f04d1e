// Package migrations embeds the SQL schema of each database dialect. Every
// schema change lands in both folders in the same commit; a landed file is
// never edited.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// For returns the migrations of one dialect ("sqlite" or "postgres"), rooted
// at that dialect's folder as goose expects.
func For(dialect string) (fs.FS, error) {
	return fs.Sub(files, dialect)
}
