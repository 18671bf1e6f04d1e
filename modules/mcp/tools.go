package mcp

import (
	"context"
	"errors"
	"fmt"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/omnara-go/omnara/modules/agents"
)

type logStepInput struct {
	AgentInstanceID string `json:"agent_instance_id,omitempty" jsonschema:"your session id; leave empty on the first call to start a session"`
	StepDescription string `json:"step_description" jsonschema:"one short sentence: what you are doing or just did"`
}

type logStepOutput struct {
	Success         bool     `json:"success"`
	AgentInstanceID string   `json:"agent_instance_id"`
	StepNumber      int64    `json:"step_number"`
	UserFeedback    []string `json:"user_feedback"`
}

type sendMessageInput struct {
	AgentInstanceID string `json:"agent_instance_id,omitempty" jsonschema:"your session id; leave empty to start a session"`
	Message         string `json:"message" jsonschema:"the notice for the person"`
}

type sendMessageOutput struct {
	Success         bool     `json:"success"`
	AgentInstanceID string   `json:"agent_instance_id"`
	MessageID       string   `json:"message_id"`
	UserFeedback    []string `json:"user_feedback"`
}

type askInput struct {
	AgentInstanceID string   `json:"agent_instance_id" jsonschema:"your session id"`
	QuestionText    string   `json:"question_text" jsonschema:"the question, self-contained"`
	Options         []string `json:"options,omitempty" jsonschema:"choices offered as buttons; the answer is one of them unless allow_other"`
	AllowOther      bool     `json:"allow_other,omitempty" jsonschema:"accept a free-text answer besides the options"`
	TimeoutSeconds  int      `json:"timeout_seconds,omitempty" jsonschema:"give up after this many seconds (default 86400)"`
	DefaultAnswer   *string  `json:"default_answer,omitempty" jsonschema:"returned, marked defaulted, when the timeout passes"`
}

type answerOutput struct {
	Answer     string `json:"answer"`
	QuestionID string `json:"question_id"`
	Defaulted  bool   `json:"defaulted,omitempty"`
}

type waitInput struct {
	QuestionID     string  `json:"question_id" jsonschema:"the question_id ask_question returned or was waiting on"`
	TimeoutSeconds int     `json:"timeout_seconds,omitempty" jsonschema:"give up after this many seconds (default 86400)"`
	DefaultAnswer  *string `json:"default_answer,omitempty" jsonschema:"returned, marked defaulted, when the timeout passes"`
}

type endInput struct {
	AgentInstanceID string `json:"agent_instance_id" jsonschema:"your session id"`
}

type endOutput struct {
	Success         bool   `json:"success"`
	AgentInstanceID string `json:"agent_instance_id"`
	FinalStatus     string `json:"final_status"`
}

func (m *Module) addTools(s *sdk.Server) {
	sdk.AddTool(s, &sdk.Tool{Name: "log_step", Description: describeLogStep}, m.logStep)
	sdk.AddTool(s, &sdk.Tool{Name: "ask_question", Description: describeAskQuestion}, m.askQuestion)
	sdk.AddTool(s, &sdk.Tool{Name: "wait_for_answer", Description: describeWaitForAnswer}, m.waitForAnswer)
	sdk.AddTool(s, &sdk.Tool{Name: "send_message", Description: describeSendMessage}, m.sendMessage)
	sdk.AddTool(s, &sdk.Tool{Name: "end_session", Description: describeEndSession}, m.endSession)
}

// userID is the API key's owner, set by the bearer check.
func userID(req *sdk.CallToolRequest) string {
	if req.Extra == nil || req.Extra.TokenInfo == nil {
		return ""
	}
	return req.Extra.TokenInfo.UserID
}

// post records an agent message for a tool, starting a session when the
// agent gave no id.
func (m *Module) post(ctx context.Context, req *sdk.CallToolRequest, instanceID, content string, question bool, metadata []byte) (*agents.AgentMessageResult, error) {
	if instanceID == "" {
		instanceID = newSessionID()
	} else if _, ok := agents.ParseID(instanceID); !ok {
		return nil, invalidID(instanceID)
	}
	res, err := m.agents.CreateAgentMessage(ctx, userID(req), agents.AgentMessageInput{
		InstanceID: instanceID, AgentType: agentType(req.Extra.Header), Content: content,
		RequiresUserInput: question, Metadata: metadata,
	})
	return res, toolError(err)
}

func (m *Module) logStep(ctx context.Context, req *sdk.CallToolRequest, in logStepInput) (*sdk.CallToolResult, logStepOutput, error) {
	if in.StepDescription == "" {
		return nil, logStepOutput{}, sentence("step_description is required")
	}
	res, err := m.post(ctx, req, in.AgentInstanceID, in.StepDescription, false, nil)
	if err != nil {
		return nil, logStepOutput{}, err
	}
	return nil, logStepOutput{Success: true, AgentInstanceID: res.InstanceID, StepNumber: res.StepCount, UserFeedback: contents(res.Queued)}, nil
}

func (m *Module) sendMessage(ctx context.Context, req *sdk.CallToolRequest, in sendMessageInput) (*sdk.CallToolResult, sendMessageOutput, error) {
	if in.Message == "" {
		return nil, sendMessageOutput{}, sentence("message is required")
	}
	res, err := m.post(ctx, req, in.AgentInstanceID, in.Message, false, nil)
	if err != nil {
		return nil, sendMessageOutput{}, err
	}
	return nil, sendMessageOutput{Success: true, AgentInstanceID: res.InstanceID, MessageID: res.Message.ID, UserFeedback: contents(res.Queued)}, nil
}

func (m *Module) endSession(ctx context.Context, req *sdk.CallToolRequest, in endInput) (*sdk.CallToolResult, endOutput, error) {
	id, ok := agents.ParseID(in.AgentInstanceID)
	if !ok {
		return nil, endOutput{}, invalidID(in.AgentInstanceID)
	}
	if err := m.agents.EndSession(ctx, userID(req), id); err != nil {
		return nil, endOutput{}, toolError(err)
	}
	return nil, endOutput{Success: true, AgentInstanceID: id, FinalStatus: agents.StatusCompleted}, nil
}

func contents(ms []agents.Message) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Content)
	}
	return out
}

// toolError turns a domain error into the sentence a tool result carries.
func toolError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, agents.ErrAccessDenied):
		return sentence("Access denied. Agent instance does not belong to authenticated user.")
	case errors.Is(err, agents.ErrAgentTypeRequired), errors.Is(err, agents.ErrInstanceNotFound):
		return sentence("Agent instance not found")
	case errors.Is(err, agents.ErrQuestionNotFound):
		return sentence("Question not found")
	case errors.Is(err, agents.ErrStopping):
		return sentence("The server is shutting down; call again in a moment.")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return sentence("The call was cancelled")
	}
	return sentence("Internal server error")
}

// sentence is a tool error shown to the agent as is; Omnara's texts are
// full sentences with capitals.
type sentence string

func (s sentence) Error() string { return string(s) }

func invalidID(id string) error {
	return sentence(fmt.Sprintf("Invalid agent_instance_id format: must be a valid UUID, got '%s'", id))
}

// timeoutOf bounds a tool's wait: 24 hours by default, as Omnara.
func timeoutOf(seconds int) time.Duration {
	if seconds <= 0 {
		return 24 * time.Hour
	}
	return time.Duration(seconds) * time.Second
}
