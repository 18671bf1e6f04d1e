package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// BridgeOptions configure the stdio bridge (omnara mcp-stdio).
type BridgeOptions struct {
	URL       string // the server, e.g. https://omnara.example.com
	APIKey    string
	AgentType string // sent as X-Client-Type; "" lets the server guess
	Version   string
}

// RunBridge serves MCP over in/out (stdin and stdout for clients that
// only speak stdio) and forwards every tool call to the server's /mcp/. It
// adds Omnara's approve tool for Claude Code's --permission-prompt-tool.
// It returns when the local client hangs up or ctx ends.
func RunBridge(ctx context.Context, o BridgeOptions, in io.ReadCloser, out io.WriteCloser) error {
	b := &bridge{progress: map[any]*sdk.ServerSession{}, approved: map[string]bool{}}
	client := sdk.NewClient(&sdk.Implementation{Name: "omnara-mcp-stdio", Version: o.Version}, &sdk.ClientOptions{
		ProgressNotificationHandler: b.forwardProgress,
	})
	headers := http.Header{"Authorization": {"Bearer " + o.APIKey}}
	if o.AgentType != "" {
		headers.Set("X-Client-Type", o.AgentType)
	}
	connectCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	remote, err := client.Connect(connectCtx, &sdk.StreamableClientTransport{
		Endpoint:   strings.TrimRight(o.URL, "/") + "/mcp/",
		HTTPClient: &http.Client{Transport: withHeaders{headers, http.DefaultTransport}},
	}, nil)
	if err != nil {
		return fmt.Errorf("connect to %s/mcp/: %w", strings.TrimRight(o.URL, "/"), err)
	}
	defer remote.Close()
	b.remote = remote
	tools, err := remote.ListTools(connectCtx, nil)
	if err != nil {
		return fmt.Errorf("list the server's tools: %w", err)
	}

	server := sdk.NewServer(&sdk.Implementation{Name: "omnara", Version: o.Version}, nil)
	for _, t := range tools.Tools {
		server.AddTool(t, b.forward)
	}
	sdk.AddTool(server, &sdk.Tool{Name: "approve", Description: describeApprove}, b.approve)
	return server.Run(ctx, &sdk.IOTransport{Reader: in, Writer: out})
}

const describeApprove = `Ask the person whether you may use a tool (Claude Code's --permission-prompt-tool). Blocks until they choose; answers allow, with the input unchanged, or deny.`

// bridge forwards calls and progress between the local client and the
// server.
type bridge struct {
	remote *sdk.ClientSession

	mu       sync.Mutex
	progress map[any]*sdk.ServerSession // progress token → local session
	approved map[string]bool            // tools approved for the rest of the session
	instance string                     // the session's agent instance, once known
}

// forward passes a tool call to the server unchanged, relaying progress.
func (b *bridge) forward(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	params := &sdk.CallToolParams{Name: req.Params.Name, Arguments: req.Params.Arguments}
	defer b.relayProgress(req, params)()
	res, err := b.remote.CallTool(ctx, params)
	if err == nil && !res.IsError {
		b.remember(res)
	}
	return res, err
}

// relayProgress passes the local call's progress token on to the server
// and routes the server's notifications for it back to the local session
// until the returned function runs.
func (b *bridge) relayProgress(req *sdk.CallToolRequest, params *sdk.CallToolParams) func() {
	token := req.Params.GetProgressToken()
	if token == nil {
		return func() {}
	}
	params.SetProgressToken(token)
	b.mu.Lock()
	b.progress[token] = req.Session
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		delete(b.progress, token)
		b.mu.Unlock()
	}
}

func (b *bridge) forwardProgress(ctx context.Context, req *sdk.ProgressNotificationClientRequest) {
	b.mu.Lock()
	local := b.progress[req.Params.ProgressToken]
	b.mu.Unlock()
	if local != nil {
		_ = local.NotifyProgress(ctx, req.Params)
	}
}

// remember keeps the agent instance a result names, so approve questions
// land in the agent's own session.
func (b *bridge) remember(res *sdk.CallToolResult) {
	var out struct {
		AgentInstanceID string `json:"agent_instance_id"`
	}
	raw, _ := json.Marshal(res.StructuredContent)
	if json.Unmarshal(raw, &out) == nil && out.AgentInstanceID != "" {
		b.mu.Lock()
		b.instance = out.AgentInstanceID
		b.mu.Unlock()
	}
}

type approveInput struct {
	ToolName  string         `json:"tool_name" jsonschema:"the tool the agent wants to use"`
	Input     map[string]any `json:"input" jsonschema:"the arguments it would use"`
	ToolUseID string         `json:"tool_use_id,omitempty"`
}

// approve asks the person with Omnara's option block and answers in the
// shape Claude Code's permission prompt reads.
func (b *bridge) approve(ctx context.Context, req *sdk.CallToolRequest, in approveInput) (*sdk.CallToolResult, any, error) {
	b.mu.Lock()
	approved := b.approved[in.ToolName]
	if b.instance == "" {
		b.instance = newSessionID()
	}
	instance := b.instance
	b.mu.Unlock()
	allow := map[string]any{"behavior": "allow", "updatedInput": in.Input}
	if approved {
		return textResult(allow), nil, nil
	}
	args, _ := json.MarshalIndent(in.Input, "", "  ")
	always := "Yes and approve " + in.ToolName + " for rest of session"
	question := fmt.Sprintf("Allow %s?\n\n```json\n%s\n```\n\n[OPTIONS]\n1. Yes\n2. %s\n3. No\n[/OPTIONS]", in.ToolName, args, always)
	params := &sdk.CallToolParams{Name: "ask_question", Arguments: map[string]any{
		"agent_instance_id": instance, "question_text": question, "options": []string{"Yes", always, "No"},
	}}
	defer b.relayProgress(req, params)()
	res, err := b.remote.CallTool(ctx, params)
	if err != nil {
		return nil, nil, err
	}
	if res.IsError {
		return res, nil, nil
	}
	var out answerOutput
	raw, _ := json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(raw, &out)
	switch out.Answer {
	case "Yes":
		return textResult(allow), nil, nil
	case always:
		b.mu.Lock()
		b.approved[in.ToolName] = true
		b.mu.Unlock()
		return textResult(allow), nil, nil
	}
	return textResult(map[string]any{"behavior": "deny", "message": "Permission denied by user"}), nil, nil
}

func textResult(v any) *sdk.CallToolResult {
	data, _ := json.Marshal(v)
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: string(data)}}}
}

// withHeaders sets fixed headers on every request to the server.
type withHeaders struct {
	headers http.Header
	next    http.RoundTripper
}

func (w withHeaders) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range w.headers {
		r.Header[k] = v
	}
	return w.next.RoundTrip(r)
}
