package channel

import (
	"crypto/ecdh"
	"encoding/base64"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
)

// The sentences Validate returns; the settings page shows them as they are.
const (
	msgBadKind        = "The channel kind must be one of webpush, ntfy, email, webhook, slack or discord."
	msgBadNtfyURL     = "The ntfy URL must be an http or https URL, such as https://ntfy.sh/my-topic."
	msgBadNtfyTopic   = "The ntfy URL must end with a topic of letters, digits, - or _ (at most 64), such as https://ntfy.sh/my-topic."
	msgBadWebhookURL  = "The webhook URL must be an http or https URL, such as https://example.com/hooks/omnara."
	msgBadSlackURL    = "The Slack webhook URL must be an http or https URL, such as https://hooks.slack.com/services/T000/B000/XXXX."
	msgBadDiscordURL  = "The Discord webhook URL must be an http or https URL, such as https://discord.com/api/webhooks/123/abc."
	msgBadEmail       = "The email address is not valid; write it as name@example.com."
	msgBadPushURL     = "The push subscription endpoint must be an https URL."
	msgMissingPushKey = "The push subscription is missing its p256dh key or auth secret."
	msgBadPushP256dh  = "The push subscription's p256dh key is not a valid P-256 public key."
	msgBadPushAuth    = "The push subscription's auth secret must be 16 bytes."
)

// ntfy's own rule for topic names.
var ntfyTopic = regexp.MustCompile(`^[-_A-Za-z0-9]{1,64}$`)

// Validate checks a target before it is saved: known kind, URL shape (http/https URL for ntfy/webhooks; a valid email address for email; for webpush an https endpoint plus non-empty P256dh and Auth). It returns an error with a human sentence, e.g. "The ntfy URL must be an http or https URL, such as https://ntfy.sh/my-topic."
//
// Its errors are permanent: Send validates first, and a malformed target
// stays malformed.
func Validate(t Target) error {
	switch t.Kind {
	case Ntfy:
		u, ok := httpURL(t.URL)
		if !ok {
			return permanent(msgBadNtfyURL)
		}
		if _, topic := ntfySplit(u); !ntfyTopic.MatchString(topic) {
			return permanent(msgBadNtfyTopic)
		}
	case Webhook:
		if _, ok := httpURL(t.URL); !ok {
			return permanent(msgBadWebhookURL)
		}
	case Slack:
		if _, ok := httpURL(t.URL); !ok {
			return permanent(msgBadSlackURL)
		}
	case Discord:
		if _, ok := httpURL(t.URL); !ok {
			return permanent(msgBadDiscordURL)
		}
	case Email:
		if !validEmail(t.URL) {
			return permanent(msgBadEmail)
		}
	case WebPush:
		return validatePush(t)
	default:
		return permanent(msgBadKind)
	}
	return nil
}

// httpURL parses an absolute http or https URL with a host.
func httpURL(raw string) (*url.URL, bool) {
	if raw == "" || raw != strings.TrimSpace(raw) {
		return nil, false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, false
	}
	return u, true
}

// validEmail accepts a bare address only: no display name, no list, and
// nothing that could smuggle a header line.
func validEmail(s string) bool {
	if strings.ContainsAny(s, "\r\n") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s && strings.Contains(a.Address, "@")
}

func validatePush(t Target) error {
	if u, ok := httpURL(t.URL); !ok || u.Scheme != "https" {
		return permanent(msgBadPushURL)
	}
	if t.P256dh == "" || t.Auth == "" {
		return permanent(msgMissingPushKey)
	}
	// NewPublicKey takes only the uncompressed point, the form browsers give.
	if key, err := decodeKey(t.P256dh); err != nil {
		return permanent(msgBadPushP256dh)
	} else if _, err := ecdh.P256().NewPublicKey(key); err != nil {
		return permanent(msgBadPushP256dh)
	}
	if auth, err := decodeKey(t.Auth); err != nil || len(auth) != 16 {
		return permanent(msgBadPushAuth)
	}
	return nil
}

// decodeKey reads a subscription key the way browsers and webpush-go
// write them: base64url, with or without padding (standard base64 too).
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}
