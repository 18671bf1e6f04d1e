package agents

import (
	"encoding/json"
	"regexp"
	"strings"
)

// optionsBlock is how Omnara's clients put choices inside a question's
// text: "[OPTIONS]\n1. Yes\n2. No\n[/OPTIONS]".
var (
	optionsBlock = regexp.MustCompile(`(?s)\[OPTIONS\]\s*\n(.*?)\n?\s*\[/OPTIONS\]`)
	optionNumber = regexp.MustCompile(`^\s*(?:\d+[.)]|[-*])\s*`)
)

// Choices are the answers a question offers.
type Choices struct {
	Options    []string `json:"options"`
	AllowOther bool     `json:"allow_other"`
}

// QuestionChoices finds a question's options, structured (sent over MCP
// with options) or as an [OPTIONS] block in its text, and returns the text
// without that block.
func QuestionChoices(text string, metadata *string) (string, Choices) {
	var c Choices
	if metadata != nil {
		_ = json.Unmarshal([]byte(*metadata), &c)
	}
	m := optionsBlock.FindStringSubmatchIndex(text)
	if m == nil {
		return text, c
	}
	if len(c.Options) == 0 {
		for line := range strings.Lines(text[m[2]:m[3]]) {
			if o := strings.TrimSpace(optionNumber.ReplaceAllString(line, "")); o != "" {
				c.Options = append(c.Options, o)
			}
		}
		// A reply other than a listed option is still a valid answer
		// for Omnara's clients.
		c.AllowOther = true
	}
	return strings.TrimSpace(text[:m[0]] + text[m[1]:]), c
}
