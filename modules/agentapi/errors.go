package agentapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/omnara-go/omnara/modules/agents"
	"github.com/omnara-go/omnara/platform/web"
)

// The sentences Omnara's clients see, from shared/contract.md.
const (
	detailAccessDenied      = "Access denied. Agent instance does not belong to authenticated user."
	detailAgentTypeRequired = "agent_type is required when creating new instance"
	detailInstanceNotFound  = "Agent instance not found"
	detailInvalidInstanceID = "Invalid agent_instance_id"
)

// agentError turns a domain error into the contract's answer. Routes
// differ only in how they answer an unknown instance (400 or 404), which
// the caller passes as notFoundStatus.
func agentError(err error, notFoundStatus int) error {
	switch {
	case errors.Is(err, agents.ErrInvalidInstanceID):
		return web.BadRequest(detailInvalidInstanceID)
	case errors.Is(err, agents.ErrInvalidMessageID):
		return web.BadRequest("Invalid last_read_message_id")
	case errors.Is(err, agents.ErrAccessDenied):
		return web.BadRequest(detailAccessDenied)
	case errors.Is(err, agents.ErrAgentTypeRequired):
		return web.BadRequest(detailAgentTypeRequired)
	case errors.Is(err, agents.ErrInstanceNotFound):
		return web.NewError(notFoundStatus, detailInstanceNotFound)
	case errors.Is(err, agents.ErrInstanceExists):
		return web.NewError(http.StatusConflict, "Agent instance already exists")
	case errors.Is(err, agents.ErrMessageNotFound):
		return web.NotFound("Agent message not found or access denied")
	case errors.Is(err, agents.ErrAlreadyQuestion):
		return web.BadRequest("Message already requires user input")
	case errors.Is(err, agents.ErrQuestionNotFound):
		return web.NotFound("Question not found")
	case errors.Is(err, agents.ErrStatusNotSupported):
		return web.BadRequest("Status update not supported")
	case errors.Is(err, agents.ErrStopping):
		return &web.Error{Status: http.StatusServiceUnavailable, Detail: "The server is shutting down; try again in a moment.", Cause: err}
	case errors.Is(err, context.Canceled):
		// The client hung up while waiting; nobody reads this answer.
		return &web.Error{Status: 499, Detail: "Client closed request", Cause: err}
	}
	return web.Internal(err)
}
