package notify

import (
	"github.com/omnara-go/omnara/platform/db"

	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/mail"
	"net/url"
	"strings"

	"github.com/omnara-go/omnara/modules/notify/channel"
)

// loadKeys reads the server-wide keys, creating them on first start. Every
// instance shares them, so a browser subscribed through one instance gets
// pushes from all, and a link signed by one is accepted by all.
func (s *Service) loadKeys(ctx context.Context) error {
	link, err := db.SharedValue(ctx, s.db, "notify.link_key", func() (string, error) {
		return base64.RawURLEncoding.EncodeToString([]byte(rand.Text() + rand.Text())), nil
	})
	if err != nil {
		return err
	}
	s.linkKey = []byte(link)
	// Both halves in one row: instances racing on first start agree on
	// one pair.
	pair, err := db.SharedValue(ctx, s.db, "notify.vapid_keys", func() (string, error) {
		pub, priv, err := channel.GenerateVAPID()
		return pub + " " + priv, err
	})
	if err != nil {
		return err
	}
	public, private, ok := strings.Cut(pair, " ")
	if !ok {
		return errors.New("the stored Web Push keys are damaged")
	}
	s.vapid = channel.VAPID{PublicKey: public, PrivateKey: private, Subscriber: subscriber(s.deps.BaseURL, s.deps.SMTP.From)}
	return nil
}

// subscriber is the contact push services may use: the sender address
// when email is set up, else the server's https URL.
func subscriber(baseURL, from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		return "mailto:" + a.Address
	}
	if u, err := url.Parse(baseURL); err == nil && u.Scheme == "https" {
		return baseURL
	}
	return "mailto:admin@" + strings.Split(strings.TrimPrefix(strings.TrimPrefix(baseURL, "http://"), "https://"), ":")[0]
}
