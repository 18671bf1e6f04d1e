package channel

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"
)

var sentAt = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// question is a question with two options and text that needs escaping
// everywhere.
func question() Message {
	return Message{
		ID:          "n-42",
		Kind:        "question",
		AgentName:   "claude-code",
		Title:       "claude-code asks",
		Body:        "Deploy <b>main</b> & staging?",
		InstanceURL: "https://omnara.example/instances/7",
		AnswerURL:   "https://omnara.example/answer/one-use-token",
		Options:     []string{"Yes", "No"},
		Priority:    4,
		SentAt:      sentAt,
	}
}

func step() Message {
	return Message{
		ID:          "n-43",
		Kind:        "step",
		AgentName:   "claude-code",
		Title:       "claude-code: step",
		Body:        "Ran the tests.",
		InstanceURL: "https://omnara.example/instances/7",
		Priority:    2,
		SentAt:      sentAt,
	}
}

// request is what a receiver saw.
type request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// receiver stands in for ntfy, Slack, Discord, a webhook or a push
// service: it records each request and answers with a fixed status.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []request
	status int
	answer string
	header http.Header // extra answer headers
}

func newReceiver(t *testing.T, status int, answer string) *receiver {
	t.Helper()
	r := &receiver{status: status, answer: answer, header: http.Header{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

// newTLSReceiver is a receiver on https, as push endpoints must be; send
// through its Client, which trusts its certificate.
func newTLSReceiver(t *testing.T, status int, answer string) *receiver {
	t.Helper()
	r := &receiver{status: status, answer: answer, header: http.Header{}}
	r.Server = httptest.NewTLSServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.reqs = append(r.reqs, request{Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone(), Body: body})
	r.mu.Unlock()
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.status)
	_, _ = io.WriteString(w, r.answer)
}

// only returns the single request the receiver got.
func (r *receiver) only(t *testing.T) request {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(r.reqs))
	}
	return r.reqs[0]
}

// assertJSON compares a JSON body with the expected document, ignoring
// key order and spacing but nothing else.
func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		var pretty bytes.Buffer
		_ = json.Indent(&pretty, got, "", "  ")
		t.Errorf("JSON body differs.\ngot:\n%s\nwant:\n%s", pretty.String(), want)
	}
}

func assertHeader(t *testing.T, h http.Header, name, want string) {
	t.Helper()
	if got := h.Get(name); got != want {
		t.Errorf("header %s = %q, want %q", name, got, want)
	}
}

func decode(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
}

// closedPort is a local port with nothing listening: connecting is refused.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port
}
