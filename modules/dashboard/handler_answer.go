package dashboard

import (
	"errors"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/modules/agents"
	"github.com/omnara-go/omnara/modules/notify"
	"github.com/omnara-go/omnara/platform/web"
)

// errClosed: the question of a link was answered or replaced some other way.
var errClosed = web.NewError(http.StatusConflict, "This question is no longer waiting for an answer.")

type answerPage struct {
	page
	Token, Agent string
	Question     template.HTML
	Options      []string
	AllowOther   bool
	Done         string
}

// answerLink shows the one question a notification's link answers, to
// anyone holding the link: no sign-in, and nothing else is readable.
func (m *Module) answerLink(c echo.Context) error {
	ctx := c.Request().Context()
	l, err := m.deps.Notify.VerifyLink(ctx, c.Param("token"))
	if err != nil {
		return linkErr(err)
	}
	inst, q, err := m.openQuestion(c, l)
	if err != nil {
		return err
	}
	text, ch := agents.QuestionChoices(q.Content, q.MessageMetadata)
	label := inst.Label()
	return m.pages.Render(c, http.StatusOK, "answer", answerPage{
		page: page{Title: "Answer " + label}, Token: c.Param("token"), Agent: label,
		Question: m.md.render(text), Options: ch.Options, AllowOther: len(ch.Options) == 0 || ch.AllowOther,
	})
}

// answerByLink answers through a notification's link, once. The answer is
// the form's content field, or the whole body as plain text (ntfy's and
// the service worker's buttons).
func (m *Module) answerByLink(c echo.Context) error {
	ctx := c.Request().Context()
	content := c.FormValue("content")
	if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMETextPlain) {
		body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxReply+1))
		if err != nil {
			return web.BadRequest("The answer could not be read.")
		}
		content = string(body)
	}
	content = strings.TrimSpace(content)
	switch {
	case content == "":
		return web.BadRequest("Write an answer before sending.")
	case len(content) > maxReply:
		return web.BadRequest("The answer is too long: at most 64 KB.")
	}
	var label string
	err := m.deps.Notify.UseLink(ctx, c.Param("token"), func(l notify.AnswerLink) error {
		inst, q, err := m.openQuestion(c, l)
		if err != nil {
			return err
		}
		_, ch := agents.QuestionChoices(q.Content, q.MessageMetadata)
		if len(ch.Options) > 0 && !ch.AllowOther && !slices.Contains(ch.Options, content) {
			return web.BadRequest("Choose one of the options: " + strings.Join(ch.Options, ", ") + ".")
		}
		label = inst.Label()
		_, err = m.deps.Agents.CreateUserMessage(ctx, l.UserID, l.InstanceID, content, false)
		return instanceErr(err)
	})
	if err != nil {
		return linkErr(err)
	}
	if !strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/html") {
		return c.JSON(http.StatusOK, map[string]string{"detail": "Answer sent."})
	}
	return m.pages.Render(c, http.StatusOK, "answer", answerPage{page: page{Title: "Answer sent"}, Agent: label, Done: content})
}

// openQuestion returns the link's session and question if the question
// still waits for an answer.
func (m *Module) openQuestion(c echo.Context, l notify.AnswerLink) (*agents.Instance, *agents.Message, error) {
	ctx := c.Request().Context()
	inst, err := m.deps.Agents.OwnedInstance(ctx, l.UserID, l.InstanceID)
	if errors.Is(err, agents.ErrInstanceNotFound) {
		return nil, nil, errClosed
	}
	if err != nil {
		return nil, nil, web.Internal(err)
	}
	q, err := m.deps.Agents.OpenQuestion(ctx, l.UserID, inst)
	if err != nil {
		return nil, nil, web.Internal(err)
	}
	if q == nil || q.ID != l.QuestionID {
		return nil, nil, errClosed
	}
	return inst, q, nil
}

func linkErr(err error) error {
	switch {
	case errors.Is(err, notify.ErrLinkInvalid):
		return web.NewError(http.StatusNotFound, "This answer link is not valid.")
	case errors.Is(err, notify.ErrLinkExpired):
		return web.NewError(http.StatusGone, "This answer link has expired. Answer from the dashboard instead.")
	case errors.Is(err, notify.ErrLinkUsed):
		return web.NewError(http.StatusGone, "This answer link has already been used.")
	}
	if _, ok := web.AsError(err); ok {
		return err
	}
	return web.Internal(err)
}
