package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// The stdio bridge, run as the real binary the way Claude Code launches
// it, forwards the server's tools and answers permission prompts.
func TestMCPStdioBridge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildRelease(t)
	env := map[string]string{"OMNARA_DATA_DIR": t.TempDir(), "OMNARA_LISTEN": "127.0.0.1:0", "OMNARA_MCP_PROGRESS_INTERVAL": "200ms"}
	srv := startServer(t, env)
	a := newUserWithKey(t, env, srv, "ann@example.com")

	var progress atomic.Int64
	client := sdk.NewClient(&sdk.Implementation{Name: "claude-code", Version: "2"}, &sdk.ClientOptions{
		ProgressNotificationHandler: func(context.Context, *sdk.ProgressNotificationClientRequest) { progress.Add(1) },
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := client.Connect(ctx, &sdk.CommandTransport{Command: exec.Command(bin, "mcp-stdio", "--url", srv.URL, "--api-key", a.key, "--agent-type", "claude-code")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()

	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"approve", "ask_question", "end_session", "log_step", "send_message", "wait_for_answer"}) {
		t.Fatalf("bridge tools: %v", names)
	}
	step := mustTool(t, cs, "log_step", map[string]any{"step_description": "via stdio"})
	id := step["agent_instance_id"].(string)
	if inst := a.ok(200, "GET", "/agent-instances/"+id, nil); inst["agent_type_name"] != "claude-code" {
		t.Errorf("agent type through the bridge: %v", inst["agent_type_name"])
	}

	approve := func(tool string, reply string) map[string]any {
		t.Helper()
		if reply != "" {
			answerWhenAsked(t, a, id, countQuestions(a.ok(200, "GET", "/agent-instances/"+id, nil)["messages"]), reply)
		}
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "approve", Arguments: map[string]any{"tool_name": tool, "input": map[string]any{"command": "ls"}, "tool_use_id": "t1"}})
		if err != nil || res.IsError {
			t.Fatalf("approve: %v %v", err, res)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(res.Content[0].(*sdk.TextContent).Text), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := approve("Bash", "2"); got["behavior"] != "allow" || got["updatedInput"].(map[string]any)["command"] != "ls" {
		t.Fatalf("approve for the session: %v", got)
	}
	q := lastQuestion(t, a, id)
	msgs := messages(t, a.ok(200, "GET", "/agent-instances/"+id, nil)["messages"])
	if text := msgs[len(msgs)-2]["content"].(string); msgs[len(msgs)-2]["id"] != q || !strings.Contains(text, "[OPTIONS]\n1. Yes\n2. Yes and approve Bash for rest of session\n3. No\n[/OPTIONS]") {
		t.Errorf("permission question: %q", text)
	}
	before := countQuestions(a.ok(200, "GET", "/agent-instances/"+id, nil)["messages"])
	if got := approve("Bash", ""); got["behavior"] != "allow" {
		t.Fatalf("Bash was approved for the session: %v", got)
	}
	if after := countQuestions(a.ok(200, "GET", "/agent-instances/"+id, nil)["messages"]); after != before {
		t.Errorf("an approved tool asked again")
	}
	if got := approve("Write", "No"); got["behavior"] != "deny" || got["message"] != "Permission denied by user" {
		t.Fatalf("denied: %v", got)
	}

	// Progress from the server reaches the local client through the bridge.
	go func() {
		time.Sleep(700 * time.Millisecond)
		a.reply(id, "fine")
	}()
	if res := mustTool(t, cs, "ask_question", map[string]any{"agent_instance_id": id, "question_text": "ok?"}); res["answer"] != "fine" {
		t.Fatalf("ask through the bridge: %v", res)
	}
	if progress.Load() == 0 {
		t.Error("no progress notification crossed the bridge")
	}
}
