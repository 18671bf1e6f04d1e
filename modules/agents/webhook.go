package agents

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

const (
	webhookTimeout = 10 * time.Second
	webhookQueue   = 1024
	webhookWorkers = 4
)

// webhookSender delivers Omnara's user-message webhook (n8n's "send and
// wait" resumes on it) after the reply is committed, off the request path.
// The queue is bounded; a reply that finds it full is logged and not sent.
type webhookSender struct {
	s      *Service
	client *http.Client
	jobs   chan Message
	wg     sync.WaitGroup
	once   sync.Once
}

func newWebhookSender(s *Service, client *http.Client) *webhookSender {
	if client == nil {
		client = &http.Client{Timeout: webhookTimeout}
	}
	w := &webhookSender{s: s, client: client, jobs: make(chan Message, webhookQueue)}
	for range webhookWorkers {
		w.wg.Go(func() {
			for m := range w.jobs {
				w.deliver(m)
			}
		})
	}
	return w
}

func (w *webhookSender) enqueue(reply Message) {
	select {
	case w.jobs <- reply:
	default:
		w.s.logger.Error("webhook queue full; reply not forwarded", "instance_id", reply.InstanceID, "message_id", reply.ID)
	}
}

// close lets queued deliveries finish (each bounded by the timeout).
func (w *webhookSender) close() {
	w.once.Do(func() { close(w.jobs); w.wg.Wait() })
}

// webhookPayload is the body Omnara sends.
type webhookPayload struct {
	UserMessage     string `json:"user_message"`
	UserID          string `json:"user_id"`
	MessageID       string `json:"message_id"`
	AgentInstanceID string `json:"agent_instance_id"`
	Timestamp       string `json:"timestamp"`
}

// deliver posts reply to the webhook of the instance's latest question,
// if it has one that has not fired yet, and records a 2xx on the question.
func (w *webhookSender) deliver(reply Message) {
	ctx, cancel := context.WithTimeout(context.Background(), webhookTimeout+5*time.Second)
	defer cancel()
	log := w.s.logger.With("instance_id", reply.InstanceID, "message_id", reply.ID)
	q, err := w.s.repo.latestQuestion(ctx, reply.UserID, reply.InstanceID)
	if err != nil {
		log.Warn("webhook: could not load the question", "err", err)
		return
	}
	if q == nil || q.MessageMetadata == nil {
		return
	}
	var meta map[string]any
	if err := json.Unmarshal([]byte(*q.MessageMetadata), &meta); err != nil {
		return
	}
	url, _ := meta["webhook_url"].(string)
	if url == "" || meta["webhook_triggered"] == true {
		return
	}
	body, _ := json.Marshal(webhookPayload{
		UserMessage: reply.Content, UserID: reply.UserID, MessageID: reply.ID,
		AgentInstanceID: reply.InstanceID, Timestamp: FormatTime(reply.CreatedAt),
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		log.Warn("webhook: bad URL on the question", "err", err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Omnara-Webhook", "true")
	res, err := w.client.Do(req)
	if err != nil {
		log.Warn("webhook: delivery failed", "err", err)
		return
	}
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		log.Warn("webhook: receiver refused", "status", res.StatusCode)
		return
	}
	meta["webhook_triggered"] = true
	meta["webhook_response_status"] = res.StatusCode
	updated, _ := json.Marshal(meta)
	if err := w.s.repo.updateMessage(ctx, q.UserID, q.ID, map[string]any{"message_metadata": string(updated)}); err != nil {
		log.Warn("webhook: delivered but not recorded", "err", err)
	}
}

// FormatTime renders times as clients read them: UTC, microseconds, Z.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }
