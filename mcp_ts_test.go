package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The official TypeScript SDK, the one most MCP clients are built on,
// works against /mcp/: list tools, log a step, ask a question answered
// through the REST API, get a tool error. .ci/run installs the SDK.
func TestMCPWithTypeScriptSDK(t *testing.T) {
	node, err := exec.LookPath("node")
	sdkDir := filepath.Join("testdata", "mcp-ts", "node_modules", "@modelcontextprotocol", "sdk")
	if _, statErr := os.Stat(sdkDir); err != nil || statErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs node and the TypeScript MCP SDK (npm install in testdata/mcp-ts): %v %v", err, statErr)
		}
		t.Skip("node or the TypeScript MCP SDK is missing; run npm install in testdata/mcp-ts")
	}
	env := map[string]string{"OMNARA_DATA_DIR": t.TempDir(), "OMNARA_LISTEN": "127.0.0.1:0", "OMNARA_MCP_PROGRESS_INTERVAL": "200ms"}
	srv := startServer(t, env)
	a := newUserWithKey(t, env, srv, "ann@example.com")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "client.mjs", srv.URL+"/mcp/", a.key)
	cmd.Dir = filepath.Join("testdata", "mcp-ts")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	next := func() map[string]any {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("the TypeScript client stopped early: %s", stderr.String())
		}
		var m map[string]any
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			t.Fatalf("bad line %q: %v", lines.Text(), err)
		}
		return m
	}

	if tools := toStrings(next()["tools"]); strings.Join(tools, ",") != "ask_question,end_session,log_step,send_message,wait_for_answer" {
		t.Fatalf("tools seen by the TypeScript SDK: %v", tools)
	}
	step := next()
	if s := step["step"].(map[string]any); s["success"] != true || s["step_number"] != float64(1) {
		t.Fatalf("log_step: %v", step)
	}
	instance := next()["asking"].(string)
	time.Sleep(600 * time.Millisecond) // long enough for progress keep-alives
	waitUntil(t, "the question", func() bool {
		return countQuestions(a.ok(200, "GET", "/agent-instances/"+instance, nil)["messages"]) == 1
	})
	a.reply(instance, "yes")
	got := next()
	if ans := got["answer"].(map[string]any); ans["answer"] != "Yes" || got["isError"] != false || got["progress"].(float64) < 1 {
		t.Fatalf("ask_question through the TypeScript SDK: %v", got)
	}
	if bad := next(); bad["isError"] != true || bad["error"] != "Invalid agent_instance_id format: must be a valid UUID, got 'nope'" {
		t.Fatalf("tool error: %v", bad)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client exited with %v: %s", err, stderr.String())
	}
	if inst := a.ok(200, "GET", "/agent-instances/"+instance, nil); inst["agent_type_name"] != "ts-sdk" {
		t.Errorf("agent type from X-Client-Type: %v", inst["agent_type_name"])
	}
}
