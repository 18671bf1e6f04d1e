package agents

import "errors"

// Errors of the agents domain. Transports map each to the status and
// sentence their clients expect.
var (
	ErrInvalidInstanceID  = errors.New("invalid agent_instance_id")
	ErrInvalidMessageID   = errors.New("invalid message id")
	ErrInstanceNotFound   = errors.New("agent instance not found")
	ErrAccessDenied       = errors.New("agent instance belongs to another user")
	ErrAgentTypeRequired  = errors.New("agent_type is required when creating new instance")
	ErrInstanceExists     = errors.New("agent instance already exists")
	ErrMessageNotFound    = errors.New("agent message not found or access denied")
	ErrAlreadyQuestion    = errors.New("message already requires user input")
	ErrQuestionNotFound   = errors.New("question not found")
	ErrStatusNotSupported = errors.New("status update not supported")
	ErrAgentTypeEmpty     = errors.New("agent_type must not be empty")
	ErrNameTooLong        = errors.New("the name must be at most 200 characters long")
	// ErrStopping: the server is shutting down; writes are refused and
	// waits end.
	ErrStopping = errors.New("the server is shutting down")
)
