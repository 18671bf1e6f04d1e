package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/omnara-go/omnara/modules/agents"
)

const (
	maxOptions = 20
	maxTimeout = 7 * 24 * time.Hour
)

func newSessionID() string { return uuid.NewString() }

// choice is how a question with options is stored: the dashboard draws a
// button per option.
type choice struct {
	Options    []string `json:"options"`
	AllowOther bool     `json:"allow_other"`
}

func (m *Module) askQuestion(ctx context.Context, req *sdk.CallToolRequest, in askInput) (*sdk.CallToolResult, answerOutput, error) {
	if strings.TrimSpace(in.QuestionText) == "" {
		return nil, answerOutput{}, sentence("question_text is required")
	}
	if in.AgentInstanceID == "" {
		return nil, answerOutput{}, sentence("agent_instance_id is required")
	}
	ch, err := checkOptions(in.Options, in.AllowOther)
	if err != nil {
		return nil, answerOutput{}, err
	}
	timeout, err := checkTimeout(in.TimeoutSeconds)
	if err != nil {
		return nil, answerOutput{}, err
	}
	var meta []byte
	if ch != nil {
		meta, _ = json.Marshal(ch)
	}
	res, err := m.post(ctx, req, in.AgentInstanceID, in.QuestionText, true, meta)
	if err != nil {
		return nil, answerOutput{}, err
	}
	out, err := m.await(ctx, req, res.InstanceID, res.Message.ID, ch, time.Now().Add(timeout), in.DefaultAnswer)
	return nil, out, err
}

func (m *Module) waitForAnswer(ctx context.Context, req *sdk.CallToolRequest, in waitInput) (*sdk.CallToolResult, answerOutput, error) {
	timeout, err := checkTimeout(in.TimeoutSeconds)
	if err != nil {
		return nil, answerOutput{}, err
	}
	view, err := m.agents.Question(ctx, userID(req), in.QuestionID, 0)
	if err != nil {
		return nil, answerOutput{}, toolError(err)
	}
	var ch *choice
	if view.Question.MessageMetadata != nil {
		var c choice
		if json.Unmarshal([]byte(*view.Question.MessageMetadata), &c) == nil && len(c.Options) > 0 {
			ch = &c
		}
	}
	out, err := m.await(ctx, req, view.Question.InstanceID, view.Question.ID, ch, time.Now().Add(timeout), in.DefaultAnswer)
	return nil, out, err
}

// await waits for the answer to question qid until deadline, sending a
// progress notification every progressEvery while it waits, so clients'
// request timeouts do not fire while a person thinks. An answer outside the options
// (when others are not allowed) is answered with a reminder question, and
// the wait goes on for that one.
func (m *Module) await(ctx context.Context, req *sdk.CallToolRequest, instanceID, qid string, ch *choice, deadline time.Time, fallback *string) (answerOutput, error) {
	user := userID(req)
	token := req.Params.GetProgressToken()
	var ticks float64
	for {
		remaining := time.Until(deadline)
		if remaining <= 0 {
			if fallback != nil {
				return answerOutput{Answer: *fallback, QuestionID: qid, Defaulted: true}, nil
			}
			return answerOutput{}, sentence("Question timed out waiting for user response")
		}
		answer, stale, err := m.agents.AwaitAnswer(ctx, user, qid, min(remaining, m.progressEvery, agents.MaxWait))
		if err != nil {
			return answerOutput{}, toolError(err)
		}
		if stale {
			// Someone consumed the reply (or the agent moved on); if the
			// question has one, that is still its answer.
			view, err := m.agents.Question(ctx, user, qid, 0)
			if err != nil {
				return answerOutput{}, toolError(err)
			}
			if view.Answer == nil {
				return answerOutput{}, sentence("The question is no longer waiting: the session moved on without an answer")
			}
			answer = view.Answer
		}
		if answer != nil {
			text, ok := matchOption(ch, answer.Content)
			if ok {
				return answerOutput{Answer: text, QuestionID: qid}, nil
			}
			if qid, err = m.remind(ctx, req, instanceID, ch); err != nil {
				return answerOutput{}, err
			}
			continue
		}
		if token != nil {
			ticks++
			_ = req.Session.NotifyProgress(ctx, &sdk.ProgressNotificationParams{
				ProgressToken: token, Progress: ticks, Message: "waiting for the person's answer",
			})
		}
	}
}

// remind asks again, listing the options, after an answer outside them.
func (m *Module) remind(ctx context.Context, req *sdk.CallToolRequest, instanceID string, ch *choice) (string, error) {
	meta, _ := json.Marshal(ch)
	text := "Please answer with one of the options: " + strings.Join(ch.Options, ", ") + "."
	res, err := m.post(ctx, req, instanceID, text, true, meta)
	if err != nil {
		return "", err
	}
	return res.Message.ID, nil
}

// matchOption maps an answer to the option it names (by text, any case,
// or by its number); without options every answer is accepted as is.
func matchOption(ch *choice, answer string) (string, bool) {
	if ch == nil {
		return answer, true
	}
	a := strings.TrimSpace(answer)
	for i, o := range ch.Options {
		if strings.EqualFold(a, o) || a == strconv.Itoa(i+1) {
			return o, true
		}
	}
	return answer, ch.AllowOther
}

func checkOptions(options []string, allowOther bool) (*choice, error) {
	if len(options) == 0 {
		if allowOther {
			return nil, sentence("allow_other needs options")
		}
		return nil, nil
	}
	if len(options) > maxOptions {
		return nil, sentence(fmt.Sprintf("At most %d options are allowed", maxOptions))
	}
	seen := map[string]bool{}
	clean := make([]string, 0, len(options))
	for _, o := range options {
		o = strings.TrimSpace(o)
		if o == "" {
			return nil, sentence("Options must not be empty")
		}
		if seen[strings.ToLower(o)] {
			return nil, sentence(fmt.Sprintf("Option %q is given twice", o))
		}
		seen[strings.ToLower(o)] = true
		clean = append(clean, o)
	}
	return &choice{Options: clean, AllowOther: allowOther}, nil
}

func checkTimeout(seconds int) (time.Duration, error) {
	if seconds < 0 || time.Duration(seconds)*time.Second > maxTimeout {
		return 0, sentence("timeout_seconds must be between 1 and 604800")
	}
	return timeoutOf(seconds), nil
}
