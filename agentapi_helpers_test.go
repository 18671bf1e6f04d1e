package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// agent is an API client holding one user's key, as an SDK would.
type agent struct {
	t    testing.TB
	base string
	key  string
}

// newUserWithKey creates a user on the command line and returns a client
// with a fresh key of theirs.
func newUserWithKey(t *testing.T, env map[string]string, srv *testServer, email string) *agent {
	t.Helper()
	mustOmnara(t, env, "", "user", "add", "--email", email, "--password", "long enough")
	key := strings.TrimSpace(mustOmnara(t, env, "", "token", "create", "--email", email, "--name", "test"))
	return &agent{t: t, base: srv.URL + "/api/v1", key: key}
}

func (a *agent) call(ctx context.Context, method, path string, body any) response {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := apiClient.Do(req)
	if err != nil {
		return response{status: -1, body: err.Error()}
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(data)}
}

// apiClient keeps connections open for many agents at once, as separate
// agent processes would, instead of reopening one per request.
var apiClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: 30 * time.Second}}

func (a *agent) do(method, path string, body any) response {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return a.call(ctx, method, path, body)
}

// ok calls and requires the status, returning the JSON object answered.
func (a *agent) ok(status int, method, path string, body any) map[string]any {
	a.t.Helper()
	res := a.do(method, path, body)
	if res.status != status {
		a.t.Fatalf("%s %s: %d %s, want %d", method, path, res.status, res.body, status)
	}
	return res.json(a.t)
}

// fails calls and requires an error status with exactly this detail.
func (a *agent) fails(status int, detail, method, path string, body any) {
	a.t.Helper()
	res := a.do(method, path, body)
	if res.status != status || res.detail(a.t) != detail {
		a.t.Errorf("%s %s: %d %s, want %d %q", method, path, res.status, res.body, status, detail)
	}
}

// send posts an agent message and returns the answer.
func (a *agent) send(instanceID, content string, question bool, extra map[string]any) map[string]any {
	a.t.Helper()
	body := map[string]any{"agent_instance_id": instanceID, "content": content, "requires_user_input": question}
	for k, v := range extra {
		body[k] = v
	}
	return a.ok(200, "POST", "/messages/agent", body)
}

// reply posts a person's message as the dashboard would (not marked read).
func (a *agent) reply(instanceID, content string) string {
	a.t.Helper()
	res := a.ok(200, "POST", "/messages/user", map[string]any{"agent_instance_id": instanceID, "content": content, "mark_as_read": false})
	return res["message_id"].(string)
}

func newInstanceID() string { return uuid.NewString() }

// messages extracts a list of MessageResponse objects, checking each has
// exactly the keys old SDKs accept.
func messages(t testing.TB, v any) []map[string]any {
	t.Helper()
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("not a list of messages: %#v", v)
	}
	out := make([]map[string]any, 0, len(list))
	for _, item := range list {
		m := item.(map[string]any)
		if len(m) != 5 {
			t.Errorf("message has keys %v; old SDKs crash on any but id, content, sender_type, created_at, requires_user_input", m)
		}
		for _, k := range []string{"id", "content", "sender_type", "created_at", "requires_user_input"} {
			if _, ok := m[k]; !ok {
				t.Errorf("message lacks %q: %v", k, m)
			}
		}
		if ts, _ := m["created_at"].(string); !strings.HasSuffix(ts, "Z") {
			t.Errorf("created_at %q is not UTC with a Z", ts)
		}
		out = append(out, m)
	}
	return out
}

func contents(t testing.TB, v any) []string {
	t.Helper()
	var out []string
	for _, m := range messages(t, v) {
		out = append(out, m["content"].(string))
	}
	return out
}

func assertKeys(t *testing.T, what string, got map[string]any, keys ...string) {
	t.Helper()
	if len(got) != len(keys) {
		t.Errorf("%s has keys %v, want exactly %v", what, got, keys)
	}
	for _, k := range keys {
		if _, ok := got[k]; !ok {
			t.Errorf("%s lacks %q: %v", what, k, got)
		}
	}
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
