package channel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// maxSnippet bounds how much of a receiver's answer goes into an error:
// enough to read its complaint, not enough to flood a log.
const maxSnippet = 200

// sendError is every error of this package. Its text is a sentence for the
// person who owns the channel: it never holds a token, a secret or a URL
// (webhook URLs are credentials themselves).
type sendError struct {
	msg        string
	permanent  bool
	gone       bool
	retryAfter time.Duration
	cause      error // for errors.Is (context.DeadlineExceeded…); never *url.Error, whose text has the URL
}

func (e *sendError) Error() string { return e.msg }
func (e *sendError) Unwrap() error { return e.cause }

// IsPermanent reports whether retrying err cannot help.
func IsPermanent(err error) bool {
	var e *sendError
	return errors.As(err, &e) && e.permanent
}

// IsGone reports whether the target no longer exists (web push 404/410): the caller should disable the channel.
func IsGone(err error) bool {
	var e *sendError
	return errors.As(err, &e) && e.gone
}

// RetryAfter is how long the receiver asked us to wait (the Retry-After of
// a 429 or 503), or 0 when it did not say.
func RetryAfter(err error) time.Duration {
	var e *sendError
	if errors.As(err, &e) {
		return e.retryAfter
	}
	return 0
}

// permanent is a sentence for a failure that a retry repeats.
func permanent(msg string) error { return &sendError{msg: msg, permanent: true} }

// permanentf is permanent with a formatted sentence.
func permanentf(format string, args ...any) error {
	return &sendError{msg: fmt.Sprintf(format, args...), permanent: true}
}

// statusError classifies a receiver's non-2xx answer. who starts the
// sentence ("ntfy", "The webhook"…); secrets are cut out of the body.
func statusError(who string, resp *http.Response, body []byte, secrets []string) error {
	code := resp.StatusCode
	msg := fmt.Sprintf("%s answered %d", who, code)
	if text := http.StatusText(code); text != "" {
		msg += " " + text
	}
	permanent := code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests
	switch s := snippet(body, secrets); {
	case code >= 300 && code < 400:
		// Only redirects that would drop the POST get here (see keepMethod);
		// the Location is left out, as it may hold the secret path.
		msg += "; the URL redirects elsewhere: save the address it leads to instead."
		permanent = true
	case s != "":
		msg += ": " + s
	default:
		msg += "."
	}
	e := &sendError{msg: msg, permanent: permanent}
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		e.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
	}
	return e
}

// transportError describes a request that got no answer. The *url.Error of
// net/http names the full URL, so only its cause and the host are kept.
func transportError(host string, err error, secrets []string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.Is(err, context.Canceled):
		return &sendError{msg: "The delivery was cancelled.", cause: err}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return &sendError{msg: fmt.Sprintf("The request to %s timed out.", host), cause: err}
	case errors.As(err, &oe) && oe.Err != nil:
		err = oe.Err // "connect: connection refused", without repeating the address
	}
	return &sendError{msg: fmt.Sprintf("Could not reach %s: %s.", host, clean(err.Error(), secrets)), cause: err}
}

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}

// snippet is the start of a receiver's answer on one line, secrets removed.
func snippet(body []byte, secrets []string) string {
	return clean(string(body), secrets)
}

// clean redacts secrets, flattens s to one line of printable text and cuts
// it to maxSnippet bytes. Redacting first means a cut cannot leave half a
// secret behind.
func clean(s string, secrets []string) string {
	s = redact(strings.ToValidUTF8(s, "?"), secrets)
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	return cutBytes(s, maxSnippet)
}

// redact replaces every secret in s. Very short values are skipped: they
// are not secrets worth the name and would mangle the text.
func redact(s string, secrets []string) string {
	for _, secret := range secrets {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

// targetSecrets lists what of t must never show in an error: the token,
// the push keys, the URL, its path, last path segment and query (a Slack
// or Discord hook URL is its own credential, an ntfy topic a password) and
// any password in it.
func targetSecrets(t Target) []string {
	secrets := []string{t.Token, t.Auth, t.P256dh, t.URL}
	if u, err := url.Parse(t.URL); err == nil {
		if len(u.Path) > 1 {
			p := strings.TrimSuffix(u.Path, "/")
			secrets = append(secrets, u.Path, u.EscapedPath(), p[strings.LastIndex(p, "/")+1:])
		}
		secrets = append(secrets, u.RawQuery)
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
		}
	}
	return secrets
}
