package channel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// pushMaxPayload keeps the JSON well inside the 4 KB record that
// webpush-go encrypts, with room for its header and padding delimiter.
const pushMaxPayload = 3000

// pushPayload is what the service worker receives.
type pushPayload struct {
	Title     string   `json:"title"`
	Body      string   `json:"body"`
	URL       string   `json:"url"`
	AnswerURL string   `json:"answer_url"`
	Options   []string `json:"options"`
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
}

// GenerateVAPID makes a new key pair (wrap webpush.GenerateVAPIDKeys).
func GenerateVAPID() (public, private string, err error) {
	// webpush-go returns the private key first.
	private, public, err = webpush.GenerateVAPIDKeys()
	return public, private, err
}

func (s *Sender) sendPush(ctx context.Context, t Target, m Message) error {
	if s.vapid.PublicKey == "" || s.vapid.PrivateKey == "" {
		return permanent("Web push is not configured on this server.")
	}
	payload, err := pushJSON(m)
	if err != nil {
		return permanentf("The message could not be encoded: %s.", err)
	}
	// A question waits for its answer for a day; news of a step is stale
	// sooner, and need not wake a phone on low battery.
	ttl, urgency := time.Hour, webpush.UrgencyNormal
	if m.Kind == kindQuestion {
		ttl, urgency = 24*time.Hour, webpush.UrgencyHigh
	}
	secrets := targetSecrets(t)
	resp, err := webpush.SendNotificationWithContext(ctx, payload, &webpush.Subscription{
		Endpoint: t.URL,
		Keys:     webpush.Keys{Auth: t.Auth, P256dh: t.P256dh},
	}, &webpush.Options{
		HTTPClient: s.client,
		// webpush-go adds "mailto:" itself unless the subscriber is an https URL.
		Subscriber:      strings.TrimPrefix(s.vapid.Subscriber, "mailto:"),
		TTL:             int(ttl.Seconds()),
		Urgency:         urgency,
		VAPIDPublicKey:  s.vapid.PublicKey,
		VAPIDPrivateKey: s.vapid.PrivateKey,
	})
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && ue.Op != "parse" {
			return transportError(pushHost(t.URL), err, secrets)
		}
		// Everything before the request is local: the keys or the payload.
		return permanent("The push message could not be encrypted or signed; check the server's VAPID keys.")
	}
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		_ = checkResponse("The push service", resp, secrets) // close the body
		return &sendError{
			msg:       fmt.Sprintf("The push subscription has expired (the push service answered %d).", resp.StatusCode),
			permanent: true,
			gone:      true,
		}
	}
	return checkResponse("The push service", resp, secrets)
}

// pushJSON encodes the payload within pushMaxPayload: the body gives way
// first, then the options, then the title.
func pushJSON(m Message) ([]byte, error) {
	p := pushPayload{
		Title:     m.Title,
		Body:      m.Body,
		URL:       m.InstanceURL,
		AnswerURL: m.AnswerURL,
		Options:   m.options(),
		ID:        m.ID,
		Kind:      m.Kind,
	}
	fits := func(p pushPayload) bool {
		b, err := marshal(p)
		return err == nil && len(b) <= pushMaxPayload
	}
	if !fits(p) {
		p.Body = longestFit(p.Body, func(s string) bool { q := p; q.Body = s; return fits(q) })
	}
	for !fits(p) && len(p.Options) > 0 {
		p.Options = p.Options[:len(p.Options)-1]
	}
	if !fits(p) {
		p.Title = longestFit(p.Title, func(s string) bool { q := p; q.Title = s; return fits(q) })
	}
	return marshal(p)
}

// longestFit is the longest cut of s that fits. JSON escaping makes the
// encoded size hard to predict, so it searches.
func longestFit(s string, fits func(string) bool) string {
	lo, hi := 0, len(s)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(cutBytes(s, mid)) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return cutBytes(s, lo)
}

func pushHost(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil {
		return u.Host
	}
	return "the push service"
}
