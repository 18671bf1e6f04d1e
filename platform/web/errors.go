package web

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is the one error type handlers return: a status, a sentence that is
// safe to show the client, and the internal cause that only the log sees.
type Error struct {
	Status int
	Detail any // a sentence, or a list of field errors for 422
	Cause  error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%d %v: %v", e.Status, e.Detail, e.Cause)
	}
	return fmt.Sprintf("%d %v", e.Status, e.Detail)
}

func (e *Error) Unwrap() error { return e.Cause }

// NewError returns an error answered with status and the sentence detail.
func NewError(status int, detail string) *Error {
	return &Error{Status: status, Detail: detail}
}

// BadRequest is a 400 with the sentence detail.
func BadRequest(detail string) *Error { return NewError(http.StatusBadRequest, detail) }

// NotFound is a 404 with the sentence detail.
func NotFound(detail string) *Error { return NewError(http.StatusNotFound, detail) }

// Unauthorized is a 401 with the sentence detail.
func Unauthorized(detail string) *Error { return NewError(http.StatusUnauthorized, detail) }

// Internal hides cause behind a generic sentence; the log gets the cause.
func Internal(cause error) *Error {
	return &Error{Status: http.StatusInternalServerError, Detail: "Internal server error", Cause: cause}
}

// FieldError is one entry of a 422 answer, in the shape FastAPI clients read.
type FieldError struct {
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

// Unprocessable is a 422 listing what was wrong with the request body.
func Unprocessable(fields ...FieldError) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Detail: fields}
}

// AsError finds a *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
