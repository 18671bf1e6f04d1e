package dashboard

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

// markdown turns what agents and people write into safe HTML: goldmark
// renders GitHub-flavoured markdown, bluemonday keeps only harmless markup.
// Raw HTML in the source is escaped by goldmark and then sanitized again,
// so neither library alone stands between a message and the page.
type markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

func newMarkdown() *markdown {
	policy := bluemonday.UGCPolicy()
	// Fenced code keeps its language class for styling.
	policy.AllowAttrs("class").Matching(bluemonday.SpaceSeparatedTokens).OnElements("code")
	policy.RequireNoFollowOnLinks(true)
	policy.AddTargetBlankToFullyQualifiedLinks(true)
	return &markdown{
		md: goldmark.New(
			goldmark.WithExtensions(extension.GFM),
			goldmark.WithRendererOptions(html.WithHardWraps()),
		),
		policy: policy,
	}
}

// render returns src as sanitized HTML. A message goldmark cannot render
// is shown as escaped text.
func (m *markdown) render(src string) template.HTML {
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(src), &buf); err != nil {
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>")
	}
	return template.HTML(m.policy.SanitizeBytes(buf.Bytes()))
}
