package channel

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// webhookPayload is the generic webhook's body; the package doc tells
// receivers how to verify it.
type webhookPayload struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"`
	Agent       string   `json:"agent"`
	Title       string   `json:"title"`
	Body        string   `json:"body"`
	InstanceURL string   `json:"instance_url"`
	AnswerURL   string   `json:"answer_url"`
	Options     []string `json:"options"`
	SentAt      string   `json:"sent_at"`
}

func (s *Sender) sendWebhook(ctx context.Context, t Target, m Message) error {
	body, err := marshal(webhookPayload{
		ID:          m.ID,
		Kind:        m.Kind,
		Agent:       m.AgentName,
		Title:       m.Title,
		Body:        m.Body,
		InstanceURL: m.InstanceURL,
		AnswerURL:   m.AnswerURL,
		Options:     m.options(),
		SentAt:      m.sentAt().Format(time.RFC3339),
	})
	if err != nil {
		return permanentf("The message could not be encoded: %s.", err)
	}
	// The timestamp is the attempt's, not the event's: receivers reject old
	// timestamps to stop replays, and a retry is signed anew.
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	header := http.Header{}
	header.Set("X-Omnara-Event", m.Kind)
	header.Set("X-Omnara-Delivery", m.ID)
	header.Set("X-Omnara-Timestamp", ts)
	if t.Token != "" {
		header.Set("X-Omnara-Signature", sign(t.Token, ts, body))
	}
	return s.postBytes(ctx, "The webhook", t.URL, header, body, targetSecrets(t))
}

// sign is "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
func sign(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
