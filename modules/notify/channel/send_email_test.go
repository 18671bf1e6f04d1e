package channel

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpServer is an in-process SMTP server that keeps what it receives.
type smtpServer struct {
	host string
	port int
	user string // when set, PLAIN authentication with pass is required
	pass string

	mu    sync.Mutex
	mails []receivedMail
}

type receivedMail struct {
	From   string
	To     []string
	User   string // who authenticated
	Data   []byte
	Secure bool // the session ran over TLS
}

type smtpMode int

const (
	smtpPlain    smtpMode = iota
	smtpStartTLS          // plain, offering STARTTLS
	smtpImplicit          // TLS from the first byte
)

// testCert is httptest's certificate for 127.0.0.1, and a client
// configuration that trusts it.
func testCert(t *testing.T) (tls.Certificate, *tls.Config) {
	t.Helper()
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(ts.Close)
	client := ts.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	client.ServerName = "127.0.0.1"
	return ts.TLS.Certificates[0], client
}

func startSMTP(t *testing.T, mode smtpMode, user, pass string) (*smtpServer, *tls.Config) {
	t.Helper()
	srv := &smtpServer{user: user, pass: pass}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: srv, conn: c}, nil
	}))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var clientTLS *tls.Config
	if mode != smtpPlain {
		cert, cfg := testCert(t)
		clientTLS = cfg
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		if mode == smtpImplicit {
			ln = tls.NewListener(ln, s.TLSConfig)
		}
	}
	srv.host, srv.port = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	return srv, clientTLS
}

func (srv *smtpServer) settings(tlsMode string) SMTP {
	return SMTP{Host: srv.host, Port: srv.port, Username: srv.user, Password: srv.pass, From: "Omnara <omnara@omnara.example>", TLS: tlsMode}
}

func (srv *smtpServer) only(t *testing.T) receivedMail {
	t.Helper()
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.mails) != 1 {
		t.Fatalf("server got %d mails, want 1", len(srv.mails))
	}
	return srv.mails[0]
}

type smtpSession struct {
	srv  *smtpServer
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (s *smtpSession) AuthMechanisms() []string {
	if s.srv.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.srv.user || pass != s.srv.pass {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "nobody@") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	}
	if strings.HasPrefix(to, "busy@") {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	_, secure := s.conn.TLSConnectionState() // after STARTTLS, too
	s.srv.mails = append(s.srv.mails, receivedMail{From: s.from, To: s.to, User: s.user, Data: data, Secure: secure})
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

// parsedMail is a received mail taken apart.
type parsedMail struct {
	Header     mail.Header
	Text, HTML string
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatalf("not a mail: %v\n%s", err, data)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, want multipart/alternative", msg.Header.Get("Content-Type"))
	}
	p := parsedMail{Header: msg.Header}
	parts := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := parts.NextRawPart() // raw: decode the transfer encoding here, as a mail client would
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = part
		switch enc := strings.ToLower(part.Header.Get("Content-Transfer-Encoding")); enc {
		case "quoted-printable":
			r = quotedprintable.NewReader(part)
		case "", "7bit", "8bit":
		default:
			t.Fatalf("unexpected transfer encoding %q", enc)
		}
		body, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		ct, ctParams, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if !strings.EqualFold(ctParams["charset"], "utf-8") {
			t.Errorf("part %s has charset %q, want UTF-8", ct, ctParams["charset"])
		}
		switch ct {
		case "text/plain":
			p.Text = string(body)
		case "text/html":
			p.HTML = string(body)
		default:
			t.Errorf("unexpected part %s", ct)
		}
	}
	return p
}

func TestEmailPlainWithAuth(t *testing.T) {
	srv, _ := startSMTP(t, smtpPlain, "relay-user", "relay-pass")
	m := question()
	m.Body = "Run <script>alert(1)</script> & deploy?\nSecond line."
	m.Options = []string{"Yes", "No <way>"}
	err := New(nil, srv.settings("none"), VAPID{}).Send(context.Background(), Target{Kind: Email, URL: "ada@example.com"}, m)
	if err != nil {
		t.Fatal(err)
	}
	got := srv.only(t)
	if got.User != "relay-user" {
		t.Errorf("authenticated as %q, want relay-user", got.User)
	}
	if got.From != "omnara@omnara.example" || len(got.To) != 1 || got.To[0] != "ada@example.com" {
		t.Errorf("envelope from %q to %q", got.From, got.To)
	}
	p := parseMail(t, got.Data)
	for name, want := range map[string]string{
		"From":           `"Omnara" <omnara@omnara.example>`,
		"To":             "<ada@example.com>",
		"Subject":        "claude-code asks",
		"Message-Id":     "<notify-n-42@omnara.example>",
		"Auto-Submitted": "auto-generated",
		"Date":           sentAt.Format(time.RFC1123Z),
	} {
		if g := p.Header.Get(name); g != want {
			t.Errorf("%s = %q, want %q", name, g, want)
		}
	}
	wantText := "Run <script>alert(1)</script> & deploy?\nSecond line.\n\n" +
		"Options:\n  - Yes\n  - No <way>\n\n" +
		"Answer: https://omnara.example/answer/one-use-token\n" +
		"Open the session: https://omnara.example/instances/7\n"
	if normalize(p.Text) != wantText {
		t.Errorf("text part:\n%s\nwant:\n%s", p.Text, wantText)
	}
	html := normalize(p.HTML)
	for _, want := range []string{
		"Run &lt;script&gt;alert(1)&lt;/script&gt; &amp; deploy?\nSecond line.",
		"<li>Yes</li>",
		"<li>No &lt;way&gt;</li>",
		`<a href="https://omnara.example/answer/one-use-token"><strong>Answer</strong></a>`,
		`<a href="https://omnara.example/instances/7">Open the session</a>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<script>") {
		t.Error("HTML part has an unescaped <script>")
	}
}

// normalize undoes the CRLF line ends of mail.
func normalize(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func TestEmailStepWithoutAuth(t *testing.T) {
	srv, _ := startSMTP(t, smtpPlain, "", "")
	if err := New(nil, srv.settings("none"), VAPID{}).Send(context.Background(), Target{Kind: Email, URL: "ada@example.com"}, step()); err != nil {
		t.Fatal(err)
	}
	p := parseMail(t, srv.only(t).Data)
	if got := p.Header.Get("Message-Id"); got != "<notify-n-43@omnara.example>" {
		t.Errorf("Message-Id = %q", got)
	}
	if want := "Ran the tests.\n\nOpen the session: https://omnara.example/instances/7\n"; normalize(p.Text) != want {
		t.Errorf("text part = %q, want %q", p.Text, want)
	}
	if strings.Contains(p.HTML, "Answer") {
		t.Error("a step has no answer link")
	}
}

func TestEmailStartTLS(t *testing.T) {
	srv, clientTLS := startSMTP(t, smtpStartTLS, "u", "p4ssword")
	s := New(nil, srv.settings("starttls"), VAPID{})
	s.smtpTLS = clientTLS
	if err := s.Send(context.Background(), Target{Kind: Email, URL: "ada@example.com"}, question()); err != nil {
		t.Fatal(err)
	}
	if got := srv.only(t); !got.Secure || got.User != "u" {
		t.Errorf("mail went over TLS=%v as %q", got.Secure, got.User)
	}
}

func TestEmailImplicitTLS(t *testing.T) {
	srv, clientTLS := startSMTP(t, smtpImplicit, "u", "p4ssword")
	s := New(nil, srv.settings("tls"), VAPID{})
	s.smtpTLS = clientTLS
	if err := s.Send(context.Background(), Target{Kind: Email, URL: "ada@example.com"}, question()); err != nil {
		t.Fatal(err)
	}
	if got := srv.only(t); !got.Secure || got.User != "u" {
		t.Errorf("mail went over TLS=%v as %q", got.Secure, got.User)
	}
}

func TestEmailStartTLSIsMandatory(t *testing.T) {
	srv, _ := startSMTP(t, smtpPlain, "u", "p4ssword") // offers no STARTTLS
	err := New(nil, srv.settings(""), VAPID{}).Send(context.Background(), Target{Kind: Email, URL: "ada@example.com"}, step())
	if err == nil {
		t.Fatal("sent over a plain connection although STARTTLS is the default")
	}
	if strings.Contains(err.Error(), "p4ssword") {
		t.Errorf("error shows the password: %v", err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.mails) != 0 {
		t.Error("the server got a mail")
	}
}

func TestEmailFailures(t *testing.T) {
	srv, _ := startSMTP(t, smtpPlain, "u", "right-password")
	wrong := srv.settings("none")
	wrong.Password = "wrong-password"
	err := New(nil, wrong, VAPID{}).Send(context.Background(), Target{Kind: Email, URL: "ada@example.com"}, step())
	if !IsPermanent(err) || !strings.HasPrefix(err.Error(), "The mail server answered 535") || strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("bad password: err = %v, want a permanent 535 without the password", err)
	}

	s := New(nil, srv.settings("none"), VAPID{})
	err = s.Send(context.Background(), Target{Kind: Email, URL: "nobody@example.com"}, step())
	if !IsPermanent(err) || !strings.Contains(err.Error(), "550") {
		t.Errorf("unknown recipient: err = %v, want a permanent 550", err)
	}
	err = s.Send(context.Background(), Target{Kind: Email, URL: "busy@example.com"}, step())
	if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "451") {
		t.Errorf("greylisted: err = %v, want a temporary 451", err)
	}
}

func TestEmailNotConfigured(t *testing.T) {
	err := New(nil, SMTP{}, VAPID{}).Send(context.Background(), Target{Kind: Email, URL: "ada@example.com"}, step())
	if !IsPermanent(err) || err.Error() != "Email is not configured on this server." {
		t.Errorf("err = %v", err)
	}
}

func TestEmailServerDown(t *testing.T) {
	port := closedPort(t)
	s := New(nil, SMTP{Host: "127.0.0.1", Port: port, From: "o@omnara.example", TLS: "none", Password: "hunter2hunter2"}, VAPID{})
	err := s.Send(context.Background(), Target{Kind: Email, URL: "ada@example.com"}, step())
	want := "Could not reach the mail server 127.0.0.1:" + strconv.Itoa(port) + ": "
	if err == nil || IsPermanent(err) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want a temporary %q…", err, want)
	}
}

func TestMessageID(t *testing.T) {
	for _, tc := range []struct{ id, from, want string }{
		{"0b6f-11", "omnara@example.com", "notify-0b6f-11@example.com"},
		{"a b<c>@d", "Omnara <o@mail.example>", "notify-a-b-c--d@mail.example"},
		{"x", "not an address", "notify-x@omnara.invalid"},
	} {
		if got := messageID(tc.id, tc.from); got != tc.want {
			t.Errorf("messageID(%q, %q) = %q, want %q", tc.id, tc.from, got, tc.want)
		}
	}
}

func TestEmailTimeoutFromContext(t *testing.T) {
	// A server that accepts connections and never greets.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	port := ln.Addr().(*net.TCPAddr).Port
	s := New(nil, SMTP{Host: "127.0.0.1", Port: port, From: "o@omnara.example", TLS: "none"}, VAPID{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, Target{Kind: Email, URL: "ada@example.com"}, step())
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Send took %v despite a 200ms deadline", took)
	}
	want := "The mail server 127.0.0.1:" + strconv.Itoa(port) + " did not answer in time."
	if err == nil || IsPermanent(err) || err.Error() != want {
		t.Errorf("err = %v, want temporary %q", err, want)
	}
}
