package mcp

import (
	"net/http"
	"testing"
)

func TestAgentTypeFromHeaders(t *testing.T) {
	cases := []struct{ clientType, userAgent, want string }{
		{"n8n", "claude-code/1.0", "n8n"},
		{"", "Cursor/0.42", "cursor"},
		{"", "claude-code/2.1.0 (cli)", "claude-code"},
		{"", "Claude Code", "claude-code"},
		{"", "Claude-User", "claude"},
		{"", "Roo-Cline/3", "roo-cline"},
		{"", "cline/1", "cline"},
		{"", "Windsurf/1.2", "windsurf"},
		{"", "Witsy", "witsy"},
		{"", "EnConvo", "enconvo"},
		{"", "PostmanRuntime/7", "postman"},
		{"", "Visual Studio Code (vscode)", "vscode"},
		{"", "mcp-python/1.0", "unknown"},
		{"", "", "unknown"},
	}
	for _, c := range cases {
		h := http.Header{}
		if c.clientType != "" {
			h.Set("X-Client-Type", c.clientType)
		}
		h.Set("User-Agent", c.userAgent)
		if got := agentType(h); got != c.want {
			t.Errorf("X-Client-Type %q, User-Agent %q: %q, want %q", c.clientType, c.userAgent, got, c.want)
		}
	}
}
