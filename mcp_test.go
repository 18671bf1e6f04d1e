package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// bearer adds an API key and a User-Agent to every request, as MCP clients
// configured with headers do.
type bearer struct {
	key, userAgent string
	next           http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	r.Header.Set("User-Agent", b.userAgent)
	return b.next.RoundTrip(r)
}

// mcpClient connects the official Go SDK client to the server's /mcp/.
func mcpClient(t *testing.T, a *agent, userAgent string, progress *atomic.Int64) *sdk.ClientSession {
	t.Helper()
	opts := &sdk.ClientOptions{}
	if progress != nil {
		opts.ProgressNotificationHandler = func(context.Context, *sdk.ProgressNotificationClientRequest) { progress.Add(1) }
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, opts)
	base := strings.TrimSuffix(a.base, "/api/v1")
	transport := &sdk.StreamableClientTransport{
		Endpoint:   base + "/mcp/",
		HTTPClient: &http.Client{Transport: bearer{key: a.key, userAgent: userAgent, next: http.DefaultTransport}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, transport, nil)
	if err != nil {
		t.Fatalf("connect MCP client: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// callTool calls a tool and returns its structured result, or the error
// text when the result is an error.
func callTool(t *testing.T, ctx context.Context, cs *sdk.ClientSession, name string, args map[string]any) (map[string]any, string) {
	t.Helper()
	params := &sdk.CallToolParams{Name: name, Arguments: args}
	params.SetProgressToken(name + "-progress") // as clients that want keep-alives do
	res, err := cs.CallTool(ctx, params)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(res.Content) == 0 {
		t.Fatalf("%s: no content", name)
	}
	text, ok := res.Content[0].(*sdk.TextContent)
	if !ok {
		t.Fatalf("%s: content is %T, want text", name, res.Content[0])
	}
	if res.IsError {
		return nil, text.Text
	}
	var fromText map[string]any
	if err := json.Unmarshal([]byte(text.Text), &fromText); err != nil {
		t.Fatalf("%s: text content is not the JSON result (older clients read it): %v", name, err)
	}
	structured, _ := json.Marshal(res.StructuredContent)
	var out map[string]any
	_ = json.Unmarshal(structured, &out)
	if len(out) != len(fromText) {
		t.Errorf("%s: structured %v and text %v differ", name, out, fromText)
	}
	return out, ""
}

func mustTool(t *testing.T, cs *sdk.ClientSession, name string, args map[string]any) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, errText := callTool(t, ctx, cs, name, args)
	if errText != "" {
		t.Fatalf("%s: tool error %q", name, errText)
	}
	return out
}

func toolFails(t *testing.T, cs *sdk.ClientSession, name string, args map[string]any, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, errText := callTool(t, ctx, cs, name, args); errText != want {
		t.Errorf("%s %v: error %q, want %q", name, args, errText, want)
	}
}

func TestMCPToolsLogStepAndEndSession(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		srv := startServer(t, env)
		a := newUserWithKey(t, env, srv, "ann@example.com")
		cs := mcpClient(t, a, "claude-code/2.1 (cli)", nil)

		tools, err := cs.ListTools(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tool := range tools.Tools {
			names = append(names, tool.Name)
			if tool.InputSchema == nil || tool.OutputSchema == nil || len(tool.Description) < 80 {
				t.Errorf("tool %s lacks schemas or a real description", tool.Name)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"ask_question", "end_session", "log_step", "send_message", "wait_for_answer"}) {
			t.Fatalf("tools %v", names)
		}

		first := mustTool(t, cs, "log_step", map[string]any{"step_description": "Reading the code"})
		id, _ := first["agent_instance_id"].(string)
		if first["success"] != true || first["step_number"] != float64(1) || len(first["user_feedback"].([]any)) != 0 || id == "" {
			t.Fatalf("first log_step: %v", first)
		}
		a.reply(id, "use the v2 API")
		second := mustTool(t, cs, "log_step", map[string]any{"agent_instance_id": id, "step_description": "Editing"})
		if second["step_number"] != float64(2) || !slices.Equal(toStrings(second["user_feedback"]), []string{"use the v2 API"}) {
			t.Fatalf("second log_step: %v", second)
		}
		if inst := a.ok(200, "GET", "/agent-instances/"+id, nil); inst["agent_type_name"] != "claude-code" {
			t.Errorf("agent type from the User-Agent: %v", inst["agent_type_name"])
		}
		sent := mustTool(t, cs, "send_message", map[string]any{"agent_instance_id": id, "message": "PR opened"})
		if sent["success"] != true || sent["message_id"] == "" {
			t.Errorf("send_message: %v", sent)
		}

		toolFails(t, cs, "log_step", map[string]any{"step_description": ""}, "step_description is required")
		toolFails(t, cs, "log_step", map[string]any{"agent_instance_id": "abc", "step_description": "x"}, "Invalid agent_instance_id format: must be a valid UUID, got 'abc'")
		toolFails(t, cs, "end_session", map[string]any{"agent_instance_id": newInstanceID()}, "Agent instance not found")

		end := mustTool(t, cs, "end_session", map[string]any{"agent_instance_id": id})
		if end["success"] != true || end["final_status"] != "COMPLETED" || end["agent_instance_id"] != id {
			t.Fatalf("end_session: %v", end)
		}

		// Another user's key cannot touch this instance or its questions.
		eve := mcpClient(t, newUserWithKey(t, env, srv, "eve@example.com"), "cursor", nil)
		const denied = "Access denied. Agent instance does not belong to authenticated user."
		toolFails(t, eve, "log_step", map[string]any{"agent_instance_id": id, "step_description": "intrusion"}, denied)
		toolFails(t, eve, "end_session", map[string]any{"agent_instance_id": id}, denied)
		toolFails(t, eve, "wait_for_answer", map[string]any{"question_id": second["agent_instance_id"]}, "Question not found")
		if n := len(messages(t, a.ok(200, "GET", "/agent-instances/"+id, nil)["messages"])); n != 4 {
			t.Errorf("%d messages after another user's calls, want 4", n)
		}
	})
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestMCPEndpointRequiresAKey(t *testing.T) {
	env := map[string]string{"OMNARA_DATA_DIR": t.TempDir(), "OMNARA_LISTEN": "127.0.0.1:0"}
	srv := startServer(t, env)
	b := newBrowser(t, srv.URL)
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	for _, path := range []string{"/mcp", "/mcp/"} {
		for header, detail := range map[string]string{"": "Not authenticated", "Bearer nope": "Invalid token: the key is malformed"} {
			h := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json, text/event-stream"}}
			if header != "" {
				h.Set("Authorization", header)
			}
			res := b.do(http.MethodPost, path, strings.NewReader(body), h)
			if res.status != 401 || res.detail(t) != detail || res.header.Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("POST %s with %q: %d %s", path, header, res.status, res.body)
			}
		}
	}
}

func nil2params(name string, args map[string]any) *sdk.CallToolParams {
	return &sdk.CallToolParams{Name: name, Arguments: args}
}

// A plain HTTP client that accepts only JSON gets a JSON answer; one that
// accepts both gets the SSE stream.
func TestMCPAnswersJSONOrSSE(t *testing.T) {
	env := map[string]string{"OMNARA_DATA_DIR": t.TempDir(), "OMNARA_LISTEN": "127.0.0.1:0"}
	srv := startServer(t, env)
	a := newUserWithKey(t, env, srv, "ann@example.com")
	b := newBrowser(t, srv.URL)
	call := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"log_step","arguments":{"step_description":"plain JSON"}}}`
	for accept, contentType := range map[string]string{
		"application/json":                    "application/json",
		"application/json, text/event-stream": "text/event-stream",
	} {
		res := b.do(http.MethodPost, "/mcp", strings.NewReader(call), http.Header{
			"Authorization": {"Bearer " + a.key}, "Content-Type": {"application/json"},
			"Accept": {accept}, "Mcp-Protocol-Version": {"2025-06-18"},
		})
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), contentType) || !strings.Contains(res.body, `\"step_number\":`) && !strings.Contains(res.body, `"step_number":`) {
			t.Errorf("Accept %q: %d %s %s", accept, res.status, res.header.Get("Content-Type"), res.body)
		}
	}
}
