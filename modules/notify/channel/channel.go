package channel

import "time"

// Kinds of channel.
const (
	WebPush = "webpush"
	Ntfy    = "ntfy"
	Email   = "email"
	Webhook = "webhook" // generic JSON, HMAC-SHA256 signed
	Slack   = "slack"   // Slack incoming webhook
	Discord = "discord" // Discord incoming webhook
)

// Message is what every channel says about one event.
type Message struct {
	ID          string   // notification id (stable across retries: receivers can de-duplicate on it)
	Kind        string   // "question", "step", "end" or "test"
	AgentName   string   // e.g. "claude-code" or the session's name
	Title       string   // short line, e.g. "claude-code asks"
	Body        string   // plain text: the question, the step, or a summary
	InstanceURL string   // dashboard page of the session (absolute URL)
	AnswerURL   string   // one-use answer page (absolute URL); "" unless Kind == "question"
	Options     []string // answer choices of a question (may be empty)
	Priority    int      // 1 (min) .. 5 (urgent); questions are 4
	SentAt      time.Time
}

// Target is one configured channel of a person.
type Target struct {
	Kind   string
	URL    string // ntfy: full topic URL (https://ntfy.sh/mytopic); email: the address; webhooks: the hook URL; webpush: the push subscription endpoint
	Token  string // ntfy: optional access token (Bearer); webhook: HMAC secret; others unused
	P256dh string // webpush subscription key
	Auth   string // webpush subscription auth secret
}

// SMTP settings for the email channel; Host == "" means email is not configured.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string // sender address
	TLS      string // "starttls" (default), "tls" (implicit TLS) or "none" (plain, for local relays and tests)
}

// VAPID holds the server's Web Push key pair (base64url, as webpush-go generates them) and the contact.
type VAPID struct {
	PublicKey, PrivateKey string
	Subscriber            string // "mailto:..." or an https URL
}

const kindQuestion = "question"

// isQuestion reports whether m asks for an answer; only then is there an
// answer page to link to.
func (m Message) isQuestion() bool { return m.Kind == kindQuestion && m.AnswerURL != "" }

// sentAt is when the event happened, or now when the caller left it unset.
func (m Message) sentAt() time.Time {
	if m.SentAt.IsZero() {
		return time.Now().UTC()
	}
	return m.SentAt.UTC()
}

// priority keeps the priority in 1..5; 0 (unset) means the default, 3.
func (m Message) priority() int {
	switch {
	case m.Priority <= 0:
		return 3
	case m.Priority > 5:
		return 5
	}
	return m.Priority
}

// options never returns nil, so JSON receivers always see an array.
func (m Message) options() []string {
	if m.Options == nil {
		return []string{}
	}
	return m.Options
}
