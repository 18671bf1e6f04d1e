package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
)

// Dashboard cookie names.
const (
	csrfCookie    = "omnara_csrf"
	sessionCookie = "omnara_session"
)

// browser is a person's signed-in dashboard client: cookies, no redirects
// followed.
type browser struct {
	base string
	hc   *http.Client
}

// signIn signs in through the login form, as a browser does: GET /login
// sets the CSRF cookie, POST /login answers 303 with the session cookie.
func signIn(ctx context.Context, base, email, password string, t http.RoundTripper) (*browser, error) {
	jar, _ := cookiejar.New(nil)
	b := &browser{base: base, hc: &http.Client{
		Transport: t, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	if status, body, err := b.do(ctx, http.MethodGet, "/login", nil); err != nil {
		return nil, fmt.Errorf("open the sign-in page: %w", err)
	} else if status != http.StatusOK {
		return nil, fmt.Errorf("GET /login: %d %s", status, clip(body, 200))
	}
	csrf := b.cookie(csrfCookie)
	if csrf == "" {
		return nil, fmt.Errorf("GET /login set no %s cookie", csrfCookie)
	}
	form := url.Values{"_csrf": {csrf}, "email": {email}, "password": {password}, "next": {"/"}}
	status, body, err := b.do(ctx, http.MethodPost, "/login", form)
	switch {
	case err != nil:
		return nil, fmt.Errorf("sign in: %w", err)
	case status == http.StatusUnauthorized:
		return nil, fmt.Errorf("sign-in as %s failed: the email or password is wrong (check --email and --password)", email)
	case status == http.StatusTooManyRequests:
		return nil, fmt.Errorf("sign-in as %s was throttled after failed attempts; try again later", email)
	case status != http.StatusSeeOther:
		return nil, fmt.Errorf("POST /login: %d %s", status, clip(body, 200))
	case b.cookie(sessionCookie) == "":
		return nil, fmt.Errorf("POST /login set no %s cookie (a server with an https base URL sets it for https only)", sessionCookie)
	}
	return b, nil
}

func (b *browser) cookie(name string) string {
	u, err := url.Parse(b.base)
	if err != nil {
		return ""
	}
	for _, c := range b.hc.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// do sends a request (a form when form is not nil) with a timeout.
func (b *browser) do(ctx context.Context, method, path string, form url.Values) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("User-Agent", userAgent)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.hc.Do(req)
	if err != nil {
		return 0, "", unwrapURLError(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, string(data), err
}

// signOut ends the bench's dashboard session (best effort).
func (b *browser) signOut(ctx context.Context) {
	_, _, _ = b.do(ctx, http.MethodPost, "/logout", url.Values{"_csrf": {b.cookie(csrfCookie)}})
}
