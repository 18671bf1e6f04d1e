package mcp

import (
	"net/http"
	"strings"
)

// agentType names the agent behind a request the way Omnara does: the
// X-Client-Type header, else a guess from the User-Agent.
func agentType(h http.Header) string {
	if t := strings.TrimSpace(h.Get("X-Client-Type")); t != "" {
		return t
	}
	ua := strings.ToLower(h.Get("User-Agent"))
	has := func(s ...string) bool {
		for _, x := range s {
			if strings.Contains(ua, x) {
				return true
			}
		}
		return false
	}
	switch {
	case has("cursor"):
		return "cursor"
	case has("claude"):
		if has("claude-code", "claude code") {
			return "claude-code"
		}
		return "claude"
	case has("cline"):
		if has("roo-cline", "roo cline") {
			return "roo-cline"
		}
		return "cline"
	case has("windsurf"):
		return "windsurf"
	case has("witsy"):
		return "witsy"
	case has("enconvo"):
		return "enconvo"
	case has("postman"):
		return "postman"
	case has("vscode", "code"):
		return "vscode"
	}
	return "unknown"
}
