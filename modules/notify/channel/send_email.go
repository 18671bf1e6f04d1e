package channel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// smtpTimeout bounds each SMTP step when ctx has no deadline.
const smtpTimeout = 30 * time.Second

func (s *Sender) sendEmail(ctx context.Context, t Target, m Message) error {
	if s.smtp.Host == "" {
		return permanent("Email is not configured on this server.")
	}
	msg, err := s.emailMessage(t.URL, m)
	if err != nil {
		return err
	}
	client, err := s.smtpClient(ctx)
	if err != nil {
		return err
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return s.smtpError(err)
	}
	return nil
}

// smtpClient builds a client for one delivery. go-mail applies its timeout
// to the dial and to each command, so it is taken from ctx.
func (s *Sender) smtpClient(ctx context.Context) (*gomail.Client, error) {
	timeout := smtpTimeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = time.Until(deadline)
		if timeout <= 0 {
			return nil, &sendError{msg: "The delivery ran out of time before it started.", cause: context.DeadlineExceeded}
		}
	}
	opts := []gomail.Option{gomail.WithTimeout(timeout), gomail.WithPort(s.smtpPort())}
	if s.smtpTLS != nil {
		opts = append(opts, gomail.WithTLSConfig(s.smtpTLS))
	}
	plain := false
	switch strings.ToLower(s.smtp.TLS) {
	case "none":
		plain = true
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "", "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		return nil, permanent(`The SMTP TLS mode must be "starttls", "tls" or "none".`)
	}
	if s.smtp.Username != "" {
		// go-mail refuses PLAIN and LOGIN without TLS unless told: "none"
		// is the operator's explicit choice of a plain connection.
		mechs := []gomail.SMTPAuthType{gomail.SMTPAuthPlain, gomail.SMTPAuthLogin}
		if plain {
			mechs = []gomail.SMTPAuthType{gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc}
		}
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(mechs...),
			gomail.WithUsername(s.smtp.Username),
			gomail.WithPassword(s.smtp.Password))
	}
	client, err := gomail.NewClient(s.smtp.Host, opts...)
	if err != nil {
		return nil, permanentf("The SMTP settings are not valid: %s.", clean(err.Error(), s.smtpSecrets()))
	}
	return client, nil
}

// emailMessage is a multipart/alternative mail, plain text and HTML.
func (s *Sender) emailMessage(to string, m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(s.smtp.From); err != nil {
		return nil, permanent("The sender address of the SMTP settings is not valid.")
	}
	if err := msg.To(to); err != nil {
		return nil, permanent(msgBadEmail)
	}
	subject := m.Title
	if subject == "" {
		subject = "Omnara notification"
	}
	msg.Subject(strings.Join(strings.Fields(subject), " ")) // one line, whatever the title held
	msg.SetDateWithValue(m.sentAt())
	if m.ID != "" {
		// The same id gives the same Message-ID, so a retry after a lost
		// answer is recognisably the same mail.
		msg.SetMessageIDWithValue(messageID(m.ID, s.smtp.From))
	} else {
		msg.SetMessageID()
	}
	msg.SetUserAgent(userAgent)
	// RFC 3834: keeps vacation responders from answering notifications.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, emailText(m))
	var html bytes.Buffer
	view := emailView{Body: m.Body, Options: m.Options, AnswerURL: m.AnswerURL, InstanceURL: m.InstanceURL, IsQuestion: m.isQuestion()}
	if err := emailHTML.Execute(&html, view); err != nil {
		return nil, permanentf("The email could not be written: %s.", err)
	}
	msg.AddAlternativeString(gomail.TypeTextHTML, html.String())
	return msg, nil
}

// messageID is "notify-<id>@<sender's domain>", keeping only characters a
// Message-ID allows.
func messageID(id, from string) string {
	domain := "omnara.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	safe := strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || r == '.' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '-'
	}, id)
	return "notify-" + safe + "@" + domain
}

func emailText(m Message) string {
	var b strings.Builder
	if m.Body != "" {
		b.WriteString(m.Body + "\n\n")
	}
	if m.isQuestion() {
		if len(m.Options) > 0 {
			b.WriteString("Options:\n")
			for _, o := range m.Options {
				b.WriteString("  - " + o + "\n")
			}
			b.WriteString("\n")
		}
		b.WriteString("Answer: " + m.AnswerURL + "\n")
	}
	if m.InstanceURL != "" {
		b.WriteString("Open the session: " + m.InstanceURL + "\n")
	}
	return b.String()
}

// emailView is what the HTML template sees.
type emailView struct {
	Body, AnswerURL, InstanceURL string
	Options                      []string
	IsQuestion                   bool
}

// emailHTML escapes everything: the body is an agent's text and may hold
// markup.
var emailHTML = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html><body style="font-family: sans-serif; line-height: 1.4">
{{- if .Body}}
<p style="white-space: pre-wrap">{{.Body}}</p>
{{- end}}
{{- if .IsQuestion}}
{{- if .Options}}
<p>Options:</p>
<ul>
{{- range .Options}}
<li>{{.}}</li>
{{- end}}
</ul>
{{- end}}
<p><a href="{{.AnswerURL}}"><strong>Answer</strong></a></p>
{{- end}}
{{- if .InstanceURL}}
<p><a href="{{.InstanceURL}}">Open the session</a></p>
{{- end}}
</body></html>
`))

// smtpError classifies a go-mail error: a 5xx reply is permanent, a 4xx
// reply and anything on the way there temporary.
func (s *Sender) smtpError(err error) error {
	secrets := s.smtpSecrets()
	if code, text := smtpReply(err); code != 0 {
		msg := fmt.Sprintf("The mail server answered %d", code)
		if t := clean(text, secrets); t != "" {
			msg += ": " + t
		} else {
			msg += "."
		}
		return &sendError{msg: msg, permanent: code >= 500 && code < 600, cause: err}
	}
	addr := net.JoinHostPort(s.smtp.Host, strconv.Itoa(s.smtpPort()))
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.Is(err, context.Canceled):
		return &sendError{msg: "The delivery was cancelled.", cause: err}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return &sendError{msg: fmt.Sprintf("The mail server %s did not answer in time.", addr), cause: err}
	case errors.As(err, &oe):
		return &sendError{msg: fmt.Sprintf("Could not reach the mail server %s: %s.", addr, clean(oe.Err.Error(), secrets)), cause: err}
	case strings.Contains(err.Error(), "does not support STARTTLS"):
		return &sendError{msg: fmt.Sprintf(`The mail server %s does not offer STARTTLS; set the SMTP TLS mode to "tls" or "none".`, addr), cause: err}
	}
	text := err.Error()
	for _, prefix := range []string{"dial failed: ", "send failed: "} {
		text = strings.TrimPrefix(text, prefix)
	}
	return &sendError{msg: fmt.Sprintf("The mail server %s could not take the message: %s.", addr, clean(text, secrets)), cause: err}
}

// smtpReply finds the server's reply code and text in a go-mail error.
// SendError does not unwrap, so its text is taken apart: it reads
// `<step>: 550 "5.1.1 No such user", affected recipient(s): …`.
func smtpReply(err error) (int, string) {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code, te.Msg
	}
	var se *gomail.SendError
	if !errors.As(err, &se) || se.ErrorCode() == 0 {
		return 0, ""
	}
	code := se.ErrorCode()
	text := se.Error()
	if _, after, ok := strings.Cut(text, strconv.Itoa(code)+" "); ok {
		text = after
	}
	text, _, _ = strings.Cut(text, ", affected ")
	return code, strings.Trim(text, `"`)
}

// smtpPort is the configured port, or the usual one for the TLS mode.
func (s *Sender) smtpPort() int {
	switch {
	case s.smtp.Port != 0:
		return s.smtp.Port
	case strings.EqualFold(s.smtp.TLS, "tls"):
		return 465
	case strings.EqualFold(s.smtp.TLS, "none"):
		return 25
	}
	return 587
}

func (s *Sender) smtpSecrets() []string {
	return []string{s.smtp.Password}
}
