// Package assets embeds the page templates and static files into the binary.
package assets

import "embed"

// Templates holds html/template files: a shared layout and one folder of
// pages per module.
//
//go:embed templates
var Templates embed.FS
