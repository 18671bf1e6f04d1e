package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	// requestTimeout bounds every call that is not meant to block.
	requestTimeout = 30 * time.Second
	// waitSlack is added to a blocking call's own wait for its timeout.
	waitSlack = 30 * time.Second
	// agentType names the bench's sessions on the dashboard.
	agentType = "omnara-bench"
	userAgent = "omnara-bench"
)

// NewTransport returns a transport for many simultaneous requests to one
// server: no per-host connection limit and room to keep idle connections
// for every caller, so agents reuse theirs as separate processes would.
// It speaks HTTP/1.1 (one request per connection at a time, like most
// agent SDKs) and uses no proxy.
func NewTransport(conns int) *http.Transport {
	conns = max(conns, 64)
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxConnsPerHost:     0,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
}

// client calls one server's agent API with one API key.
type client struct {
	base string // server URL without a trailing slash
	key  string
	hc   *http.Client
}

func newClient(base, key string, t http.RoundTripper) *client {
	return &client{base: strings.TrimRight(base, "/"), key: key, hc: &http.Client{Transport: t}}
}

// statusError is an answer with a status other than 2xx.
type statusError struct {
	method, path string
	status       int
	body         string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.method, e.path, e.status, e.body)
}

// call sends one request with a timeout and decodes a 2xx JSON answer
// into out (when not nil).
func (c *client) call(ctx context.Context, method, path string, body []byte, timeout time.Duration, out any) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	short, _, _ := strings.Cut(path, "?") // errors without ids read alike
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	req.Header.Set("User-Agent", userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, short, unwrapURLError(err))
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, short, err)
	}
	if res.StatusCode/100 != 2 {
		return &statusError{method: method, path: short, status: res.StatusCode, body: clip(string(data), 200)}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: answer is not the expected JSON: %v", method, short, err)
		}
	}
	return nil
}

// unwrapURLError drops net/http's url.Error wrapper, which repeats the
// method and the whole URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// agentMessage is the body of POST /messages/agent. Notifications are
// turned off where the API allows it: a benchmark should not page anyone.
type agentMessage struct {
	InstanceID        string `json:"agent_instance_id"`
	Content           string `json:"content"`
	RequiresUserInput bool   `json:"requires_user_input"`
	AgentType         string `json:"agent_type,omitempty"`
	SendEmail         bool   `json:"send_email"`
	SendPush          bool   `json:"send_push"`
	SendSMS           bool   `json:"send_sms"`
}

// postAgent posts a step or a question and returns its message id. The
// agent type is sent with the first message of an instance, which creates it.
func (c *client) postAgent(ctx context.Context, instanceID, content string, question, first bool) (string, error) {
	m := agentMessage{InstanceID: instanceID, Content: content, RequiresUserInput: question}
	if first {
		m.AgentType = agentType
	}
	body, _ := json.Marshal(m)
	var out struct {
		MessageID string `json:"message_id"`
	}
	if err := c.call(ctx, http.MethodPost, "/api/v1/messages/agent", body, requestTimeout, &out); err != nil {
		return "", err
	}
	if out.MessageID == "" {
		return "", errors.New("POST /api/v1/messages/agent: the answer has no message_id")
	}
	return out.MessageID, nil
}

// postUser posts a person's answer as the dashboard does: not marked read,
// so the waiting agent receives it.
func (c *client) postUser(ctx context.Context, instanceID, content string) error {
	body, _ := json.Marshal(map[string]any{"agent_instance_id": instanceID, "content": content, "mark_as_read": false})
	return c.call(ctx, http.MethodPost, "/api/v1/messages/user", body, requestTimeout, nil)
}

// pending asks for replies after lastRead, blocking up to wait seconds
// when wait > 0. It returns how many replies came and whether the read
// pointer had moved on (stale).
func (c *client) pending(ctx context.Context, instanceID, lastRead string, wait int) (int, bool, error) {
	q := url.Values{"agent_instance_id": {instanceID}, "last_read_message_id": {lastRead}}
	timeout := requestTimeout
	if wait > 0 {
		q.Set("wait", strconv.Itoa(wait))
		timeout = time.Duration(wait)*time.Second + waitSlack
	}
	var out struct {
		Messages []json.RawMessage `json:"messages"`
		Status   string            `json:"status"`
	}
	if err := c.call(ctx, http.MethodGet, "/api/v1/messages/pending?"+q.Encode(), nil, timeout, &out); err != nil {
		return 0, false, err
	}
	return len(out.Messages), out.Status == "stale", nil
}

// verify checks that the server answers and takes the key, and returns
// the email of the key's owner.
func (c *client) verify(ctx context.Context) (string, error) {
	var out struct {
		Email string `json:"email"`
	}
	err := c.call(ctx, http.MethodGet, "/api/v1/auth/verify", nil, requestTimeout, &out)
	var se *statusError
	switch {
	case errors.As(err, &se) && (se.status == http.StatusUnauthorized || se.status == http.StatusForbidden):
		return "", fmt.Errorf("the server at %s refused the API key (%d): check --api-key", c.base, se.status)
	case errors.As(err, &se) && se.status == http.StatusNotFound:
		return "", fmt.Errorf("%s does not look like an omnara server (no /api/v1/auth/verify): check --url", c.base)
	case err != nil:
		return "", fmt.Errorf("cannot reach the server at %s: %v", c.base, err)
	}
	return out.Email, nil
}

// stepBody is a step's JSON built by hand, for the ingest loop. id is a
// UUID and the content plain ASCII, so nothing needs escaping.
func stepBody(id string, n int64) []byte {
	b := make([]byte, 0, 160)
	b = append(b, `{"agent_instance_id":"`...)
	b = append(b, id...)
	b = append(b, `","content":"bench step `...)
	b = strconv.AppendInt(b, n, 10)
	b = append(b, `","send_email":false,"send_push":false,"send_sms":false}`...)
	return b
}
