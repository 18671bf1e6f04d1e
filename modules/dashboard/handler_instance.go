package dashboard

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/modules/agents"
	"github.com/omnara-go/omnara/platform/web"
)

// timelinePage is how many messages a page shows; older ones load on demand.
const timelinePage = 50

// maxReply bounds what a person sends in one message.
const maxReply = 64 << 10

type openQuestion struct {
	HTML       template.HTML
	Options    []string
	AllowOther bool
}

type instancePage struct {
	page
	ID, AgentType, Name string
	Badge               badge
	Started             time.Time
	Ended               *time.Time
	Steps               int64
	Messages            []messageView
	HasOlder            bool
	OldestSeq           int64
	NewestSeq           int64 // the live stream starts after it
	Open                *openQuestion
	AnswerKey           string
	Diff                []diffFile
	DiffRaw             string
}

// describe fills the parts of an instance page that change with its state:
// head, open question and diff. Live updates send them again.
func (m *Module) describe(c echo.Context, p *instancePage, inst *agents.Instance) error {
	ctx := c.Request().Context()
	loc := p.User.Location()
	p.ID, p.AgentType, p.Steps = inst.ID, inst.AgentType.Name, inst.StepCount
	p.Title = titleOf(inst.Name, inst.AgentType.Name, inst.ID)
	if inst.Name != nil {
		p.Name = *inst.Name
	}
	p.Badge = badgeFor(inst.Status, lastSign(inst.UpdatedAt, inst.LastHeartbeatAt), m.now())
	p.Started = inst.StartedAt.In(loc)
	if inst.EndedAt != nil {
		p.Ended = new(inst.EndedAt.In(loc))
	}
	q, err := m.deps.Agents.OpenQuestion(ctx, p.User.ID, inst)
	if err != nil {
		return web.Internal(err)
	}
	p.AnswerKey = "none"
	if q != nil {
		text, ch := agents.QuestionChoices(q.Content, q.MessageMetadata)
		p.Open = &openQuestion{HTML: m.md.render(text), Options: ch.Options, AllowOther: ch.AllowOther}
		p.AnswerKey = q.ID
	}
	if inst.GitDiff != nil {
		p.DiffRaw = *inst.GitDiff
		p.Diff, _ = parseDiff(p.DiffRaw)
	}
	return nil
}

func (m *Module) instance(c echo.Context) error {
	before, err := beforeParam(c)
	if err != nil {
		return err
	}
	ip, err := m.loadInstancePage(c, before)
	if err != nil {
		return err
	}
	return m.pages.Render(c, http.StatusOK, "instance", ip)
}

func (m *Module) loadInstancePage(c echo.Context, before int64) (*instancePage, error) {
	p, err := m.newPage(c, "", "home")
	if err != nil {
		return nil, err
	}
	tl, err := m.deps.Agents.Timeline(c.Request().Context(), p.User.ID, c.Param("id"), before, timelinePage)
	if errors.Is(err, agents.ErrInstanceNotFound) {
		return nil, notFound()
	}
	if err != nil {
		return nil, web.Internal(err)
	}
	ip := &instancePage{page: p, HasOlder: tl.HasOlder}
	if err := m.describe(c, ip, &tl.Instance); err != nil {
		return nil, err
	}
	loc := p.User.Location()
	for _, msg := range tl.Messages {
		ip.Messages = append(ip.Messages, m.messageOf(msg, loc))
	}
	if len(tl.Messages) > 0 {
		ip.OldestSeq, ip.NewestSeq = tl.Messages[0].Seq, tl.Messages[len(tl.Messages)-1].Seq
	}
	return ip, nil
}

// olderMessages answers the "Show older messages" link with the entries
// to put on top of the timeline.
func (m *Module) olderMessages(c echo.Context) error {
	before, err := beforeParam(c)
	if err != nil {
		return err
	}
	if before == 0 {
		return web.BadRequest("The before parameter is required.")
	}
	ip, err := m.loadInstancePage(c, before)
	if err != nil {
		return err
	}
	html, err := m.pages.Fragment("instance", "messages", ip)
	if err != nil {
		return web.Internal(err)
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.HTMLBlob(http.StatusOK, html)
}

func beforeParam(c echo.Context) (int64, error) {
	v := c.QueryParam("before")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, web.BadRequest("The before parameter must be a positive message number.")
	}
	return n, nil
}

// reply sends what a person typed or the option they chose. The agent
// receives it as the answer to its open question, or as feedback with its
// next step.
func (m *Module) reply(c echo.Context) error {
	u, _ := user(c.Request().Context())
	content := strings.TrimSpace(c.FormValue("content"))
	switch {
	case content == "":
		return web.BadRequest("Write a message before sending.")
	case len(content) > maxReply:
		return web.BadRequest("The message is too long: at most 64 KB.")
	}
	_, err := m.deps.Agents.CreateUserMessage(c.Request().Context(), u.ID, c.Param("id"), content, false)
	if err := instanceErr(err); err != nil {
		return err
	}
	return web.SeeOther(c, "/instances/"+c.Param("id"))
}

func (m *Module) rename(c echo.Context) error {
	u, _ := user(c.Request().Context())
	err := m.deps.Agents.Rename(c.Request().Context(), u.ID, c.Param("id"), c.FormValue("name"))
	if errors.Is(err, agents.ErrNameTooLong) {
		return web.BadRequest("The name must be at most 200 characters long.")
	}
	if err := instanceErr(err); err != nil {
		return err
	}
	return web.SeeOther(c, "/instances/"+c.Param("id"))
}

func (m *Module) end(c echo.Context) error {
	u, _ := user(c.Request().Context())
	if err := instanceErr(m.deps.Agents.EndSession(c.Request().Context(), u.ID, c.Param("id"))); err != nil {
		return err
	}
	return web.SeeOther(c, "/instances/"+c.Param("id"))
}

func (m *Module) confirmDelete(c echo.Context) error {
	p, err := m.newPage(c, "", "home")
	if err != nil {
		return err
	}
	inst, err := m.deps.Agents.OwnedInstance(c.Request().Context(), p.User.ID, c.Param("id"))
	if err := instanceErr(err); err != nil {
		return err
	}
	p.Title = titleOf(inst.Name, inst.AgentType.Name, inst.ID)
	return m.pages.Render(c, http.StatusOK, "delete", instancePage{page: p, ID: inst.ID})
}

func (m *Module) delete(c echo.Context) error {
	u, _ := user(c.Request().Context())
	if err := instanceErr(m.deps.Agents.Delete(c.Request().Context(), u.ID, c.Param("id"))); err != nil {
		return err
	}
	return web.SeeOther(c, "/")
}

// instanceErr maps the agents domain's answers to pages.
func instanceErr(err error) error {
	switch {
	case err == nil:
		return nil
	// Omnara's rules tell "another user's" and "unknown" apart (the agent
	// API must); a page never does.
	case errors.Is(err, agents.ErrInstanceNotFound), errors.Is(err, agents.ErrInvalidInstanceID),
		errors.Is(err, agents.ErrAccessDenied), errors.Is(err, agents.ErrAgentTypeRequired):
		return notFound()
	case errors.Is(err, agents.ErrStopping):
		return web.NewError(http.StatusServiceUnavailable, "The server is restarting. Try again in a moment.")
	}
	return web.Internal(err)
}
