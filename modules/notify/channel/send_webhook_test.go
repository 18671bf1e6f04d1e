package channel

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestWebhookSignedPayload(t *testing.T) {
	r := newReceiver(t, http.StatusNoContent, "")
	const secret = "whsec_very_secret"
	before := time.Now().Unix()
	err := New(r.Client(), SMTP{}, VAPID{}).Send(context.Background(), Target{Kind: Webhook, URL: r.URL + "/hooks/omnara", Token: secret}, question())
	if err != nil {
		t.Fatal(err)
	}
	req := r.only(t)
	if req.Method != http.MethodPost || req.Path != "/hooks/omnara" {
		t.Errorf("request = %s %s, want POST /hooks/omnara", req.Method, req.Path)
	}
	assertHeader(t, req.Header, "Content-Type", "application/json")
	assertHeader(t, req.Header, "User-Agent", "omnara-notify")
	assertHeader(t, req.Header, "X-Omnara-Event", "question")
	assertHeader(t, req.Header, "X-Omnara-Delivery", "n-42")

	// Verify as a receiver would, following the recipe in the package doc.
	ts := req.Header.Get("X-Omnara-Timestamp")
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || n < before || n > time.Now().Unix() {
		t.Errorf("X-Omnara-Timestamp = %q, want the unix time of sending", ts)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(req.Body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if got := req.Header.Get("X-Omnara-Signature"); !hmac.Equal([]byte(got), []byte(want)) {
		t.Errorf("X-Omnara-Signature = %q, want %q", got, want)
	}

	assertJSON(t, req.Body, `{
		"id": "n-42",
		"kind": "question",
		"agent": "claude-code",
		"title": "claude-code asks",
		"body": "Deploy <b>main</b> & staging?",
		"instance_url": "https://omnara.example/instances/7",
		"answer_url": "https://omnara.example/answer/one-use-token",
		"options": ["Yes", "No"],
		"sent_at": "2026-03-14T15:09:26Z"
	}`)
}

func TestWebhookWithoutSecretIsUnsigned(t *testing.T) {
	r := newReceiver(t, http.StatusOK, "")
	m := step()
	m.SentAt = time.Date(2026, 3, 14, 16, 9, 26, 0, time.FixedZone("CET", 3600))
	if err := New(r.Client(), SMTP{}, VAPID{}).Send(context.Background(), Target{Kind: Webhook, URL: r.URL}, m); err != nil {
		t.Fatal(err)
	}
	req := r.only(t)
	if sig, ok := req.Header["X-Omnara-Signature"]; ok {
		t.Errorf("X-Omnara-Signature sent without a secret: %q", sig)
	}
	assertHeader(t, req.Header, "X-Omnara-Event", "step")
	assertJSON(t, req.Body, `{
		"id": "n-43",
		"kind": "step",
		"agent": "claude-code",
		"title": "claude-code: step",
		"body": "Ran the tests.",
		"instance_url": "https://omnara.example/instances/7",
		"answer_url": "",
		"options": [],
		"sent_at": "2026-03-14T15:09:26Z"
	}`)
}

func TestSignKnownVector(t *testing.T) {
	// From openssl: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
	const want = "sha256=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
	if got := sign("secret", "1700000000", []byte(`{"a":1}`)); got != want {
		t.Errorf("sign = %s, want %s", got, want)
	}
}
