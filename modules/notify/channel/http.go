package channel

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
)

const userAgent = "omnara-notify"

// post sends a JSON body and turns the answer into nil or a classified
// error. who names the receiver at the start of an error sentence.
func (s *Sender) post(ctx context.Context, who, rawURL string, header http.Header, payload any, secrets []string) error {
	body, err := marshal(payload)
	if err != nil {
		return permanentf("The message could not be encoded: %s.", err)
	}
	return s.postBytes(ctx, who, rawURL, header, body, secrets)
}

// postBytes is post for a body already encoded (the webhook signs its bytes).
func (s *Sender) postBytes(ctx context.Context, who, rawURL string, header http.Header, body []byte, secrets []string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return permanent("The channel URL is not valid.")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := s.client.Do(req)
	if err != nil {
		return transportError(req.URL.Host, err, secrets)
	}
	return checkResponse(who, resp, secrets)
}

// checkResponse reads and closes resp; any 2xx is success.
func checkResponse(who string, resp *http.Response, secrets []string) error {
	defer resp.Body.Close()
	// Read a little more than the snippet so secrets can be redacted whole,
	// then drain a bounded amount so the connection can be reused.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return statusError(who, resp, body, secrets)
}

// marshal encodes JSON without escaping <, > and &: receivers show the
// text, and the escapes only make payloads longer.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
