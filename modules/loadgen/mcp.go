package loadgen

import (
	"context"
	"fmt"
	"net/http"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// withKey adds the API key and the bench's names to every request, as MCP
// clients configured with headers do.
type withKey struct {
	key  string
	next http.RoundTripper
}

func (k withKey) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+k.key)
	r.Header.Set("User-Agent", userAgent)
	r.Header.Set("X-Client-Type", agentType) // the sessions' agent type
	return k.next.RoundTrip(r)
}

// connectMCP connects the official go-sdk client to the server's /mcp/.
// The session needs no standalone event stream: the bench only calls tools.
func connectMCP(ctx context.Context, c *client) (*sdk.ClientSession, error) {
	cl := sdk.NewClient(&sdk.Implementation{Name: "omnara-bench", Version: "1"}, nil)
	transport := &sdk.StreamableClientTransport{
		Endpoint:             c.base + "/mcp/",
		HTTPClient:           &http.Client{Transport: withKey{key: c.key, next: c.hc.Transport}},
		DisableStandaloneSSE: true,
	}
	cctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	cs, err := cl.Connect(cctx, transport, nil)
	if err != nil {
		return nil, fmt.Errorf("connect to %s/mcp/: %w", c.base, err)
	}
	return cs, nil
}

// askQuestion calls the ask_question tool, which blocks until a person
// answers or ctx ends.
func askQuestion(ctx context.Context, cs *sdk.ClientSession, instanceID, text string) error {
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "ask_question", Arguments: map[string]any{
		"agent_instance_id": instanceID, "question_text": text,
	}})
	if err != nil {
		return fmt.Errorf("MCP ask_question: %w", err)
	}
	if res.IsError {
		return fmt.Errorf("MCP ask_question answered an error: %s", toolText(res))
	}
	return nil
}

func toolText(res *sdk.CallToolResult) string {
	for _, c := range res.Content {
		if t, ok := c.(*sdk.TextContent); ok {
			return clip(t.Text, 200)
		}
	}
	return "(no text)"
}
