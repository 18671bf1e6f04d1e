package agentapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/modules/agents"
)

type agentMessageResponse struct {
	Success            bool          `json:"success"`
	AgentInstanceID    string        `json:"agent_instance_id"`
	MessageID          string        `json:"message_id"`
	QueuedUserMessages []messageView `json:"queued_user_messages"`
}

func (m *Module) createAgentMessage(c echo.Context) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	in := agents.AgentMessageInput{
		InstanceID:        b.str("agent_instance_id"),
		Content:           b.str("content"),
		RequiresUserInput: b.boolean("requires_user_input", false),
		Metadata:          b.object("message_metadata"),
		SendEmail:         b.optBool("send_email"),
		SendSMS:           b.optBool("send_sms"),
		SendPush:          b.optBool("send_push"),
	}
	if at, _ := b.optStr("agent_type"); at != nil {
		in.AgentType = *at
	}
	in.GitDiff, _ = b.optStr("git_diff")
	if err := b.err(); err != nil {
		return err
	}
	res, err := m.agents.CreateAgentMessage(c.Request().Context(), userID(c), in)
	if err != nil {
		return agentError(err, http.StatusBadRequest)
	}
	return c.JSON(http.StatusOK, agentMessageResponse{
		Success: true, AgentInstanceID: res.InstanceID, MessageID: res.Message.ID,
		QueuedUserMessages: messageViews(res.Queued),
	})
}

type userMessageResponse struct {
	Success      bool   `json:"success"`
	MessageID    string `json:"message_id"`
	MarkedAsRead bool   `json:"marked_as_read"`
}

func (m *Module) createUserMessage(c echo.Context) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	instanceID := b.str("agent_instance_id")
	content := b.str("content")
	markAsRead := b.boolean("mark_as_read", true)
	if err := b.err(); err != nil {
		return err
	}
	msg, err := m.agents.CreateUserMessage(c.Request().Context(), userID(c), instanceID, content, markAsRead)
	if err != nil {
		return agentError(err, http.StatusBadRequest)
	}
	return c.JSON(http.StatusOK, userMessageResponse{Success: true, MessageID: msg.ID, MarkedAsRead: markAsRead})
}

type pendingResponse struct {
	AgentInstanceID string        `json:"agent_instance_id"`
	Messages        []messageView `json:"messages"`
	Status          string        `json:"status"`
}

func statusWord(stale bool) string {
	if stale {
		return "stale"
	}
	return "ok"
}

// pending answers at once by default, as Omnara does; with ?wait=N it
// blocks up to N seconds until a reply exists (our extension).
func (m *Module) pending(c echo.Context) error {
	instanceID, err := requiredQuery(c, "agent_instance_id")
	if err != nil {
		return err
	}
	wait, err := queryNumber(c, "wait", 0, agents.MaxWait.Seconds())
	if err != nil {
		return err
	}
	res, err := m.agents.Pending(c.Request().Context(), userID(c), instanceID,
		c.QueryParam("last_read_message_id"), time.Duration(wait*float64(time.Second)))
	if err != nil {
		return agentError(err, http.StatusBadRequest)
	}
	return c.JSON(http.StatusOK, pendingResponse{
		AgentInstanceID: res.InstanceID, Messages: messageViews(res.Messages), Status: statusWord(res.Stale),
	})
}

type requestInputResponse struct {
	Success         bool          `json:"success"`
	MessageID       string        `json:"message_id"`
	AgentInstanceID string        `json:"agent_instance_id"`
	Messages        []messageView `json:"messages"`
	Status          string        `json:"status"`
}

func (m *Module) requestInput(c echo.Context) error {
	res, err := m.agents.RequestInput(c.Request().Context(), userID(c), c.Param("message_id"))
	if err != nil {
		return agentError(err, http.StatusNotFound)
	}
	return c.JSON(http.StatusOK, requestInputResponse{
		Success: true, MessageID: res.MessageID, AgentInstanceID: res.InstanceID,
		Messages: messageViews(res.Messages), Status: statusWord(res.Stale),
	})
}

type questionResponse struct {
	QuestionID      string  `json:"question_id"`
	AgentInstanceID string  `json:"agent_instance_id"`
	Question        string  `json:"question"`
	AskedAt         string  `json:"asked_at"`
	Answered        bool    `json:"answered"`
	Answer          *string `json:"answer"`
	AnswerID        *string `json:"answer_id"`
	AnsweredAt      *string `json:"answered_at"`
}

// question lets an agent that lost its connection learn whether its
// question was answered, and wait for it again with ?wait=N.
func (m *Module) question(c echo.Context) error {
	wait, err := queryNumber(c, "wait", 0, agents.MaxWait.Seconds())
	if err != nil {
		return err
	}
	v, err := m.agents.Question(c.Request().Context(), userID(c), c.Param("message_id"), time.Duration(wait*float64(time.Second)))
	if err != nil {
		return agentError(err, http.StatusNotFound)
	}
	res := questionResponse{
		QuestionID: v.Question.ID, AgentInstanceID: v.Question.InstanceID, Question: v.Question.Content,
		AskedAt: agents.FormatTime(v.Question.CreatedAt), Answered: v.Answer != nil,
	}
	if v.Answer != nil {
		res.Answer, res.AnswerID, res.AnsweredAt = &v.Answer.Content, &v.Answer.ID, timeOrNull(&v.Answer.CreatedAt)
	}
	return c.JSON(http.StatusOK, res)
}
