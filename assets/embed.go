// Package assets embeds the page templates and static files into the binary.
package assets

import (
	"embed"
	"io/fs"
)

// Templates holds html/template files: a shared layout and one folder of
// pages per module.
//
//go:embed templates
var Templates embed.FS

//go:embed static
var static embed.FS

// Static holds the stylesheet, scripts, icons and the web app manifest,
// rooted at the static folder.
var Static, _ = fs.Sub(static, "static")
