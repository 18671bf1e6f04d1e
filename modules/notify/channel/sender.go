package channel

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"time"
)

const defaultTimeout = 10 * time.Second

// Sender delivers messages. It is safe for concurrent use: it holds only
// settings that never change after New.
type Sender struct {
	client *http.Client
	smtp   SMTP
	vapid  VAPID
	// smtpTLS replaces go-mail's TLS settings; tests use it to trust their
	// own certificate.
	smtpTLS *tls.Config
}

// New builds a Sender. client is used for every HTTP channel (give it a timeout); nil means a client with a 10 s timeout.
func New(client *http.Client, smtp SMTP, vapid VAPID) *Sender {
	if client == nil {
		client = &http.Client{Timeout: defaultTimeout}
	}
	c := *client // a copy: the caller's client keeps its own redirect policy
	c.CheckRedirect = keepMethod(client.CheckRedirect)
	return &Sender{client: &c, smtp: smtp, vapid: vapid}
}

// keepMethod follows only redirects that repeat the POST (307, 308). On a
// 301, 302 or 303 net/http would send a GET without the body, and a 200 to
// that GET (ntfy.sh's web app, after its http → https redirect) would pass
// for a delivery.
func keepMethod(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		switch {
		case req.Method != via[0].Method:
			return http.ErrUseLastResponse
		case next != nil:
			return next(req, via)
		case len(via) >= 10:
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// Send delivers m to t. It returns nil on success; an error otherwise. Errors that retrying cannot fix
// (the receiver answered 4xx other than 408/429, a malformed target, email not configured, an expired push
// subscription) are wrapped so that IsPermanent(err) reports true; everything else (network errors, 5xx, 408, 429, timeouts) is temporary.
func (s *Sender) Send(ctx context.Context, t Target, m Message) error {
	if err := Validate(t); err != nil {
		return err
	}
	switch t.Kind {
	case Ntfy:
		return s.sendNtfy(ctx, t, m)
	case Webhook:
		return s.sendWebhook(ctx, t, m)
	case Slack:
		return s.sendSlack(ctx, t, m)
	case Discord:
		return s.sendDiscord(ctx, t, m)
	case Email:
		return s.sendEmail(ctx, t, m)
	default: // WebPush; Validate rejected every other kind
		return s.sendPush(ctx, t, m)
	}
}
