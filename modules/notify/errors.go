package notify

import "errors"

// Errors the notify service returns; transports turn them into sentences.
var (
	ErrChannelNotFound = errors.New("no notification channel has this id")
	ErrBadEvents       = errors.New("events must be a comma-separated list of questions, steps and ends")
	ErrBadQuietHours   = errors.New("quiet hours must be times such as 22:00 and 07:30")
	ErrLinkInvalid     = errors.New("this answer link is not valid")
	ErrLinkExpired     = errors.New("this answer link has expired")
	ErrLinkUsed        = errors.New("this answer link has already been used")
	ErrEmailOff        = errors.New("email is not configured on this server: set OMNARA_SMTP_HOST and OMNARA_SMTP_FROM")
)

// InvalidChannelError is a channel refused before it is saved; its text is
// a sentence for people.
type InvalidChannelError struct{ Reason string }

func (e *InvalidChannelError) Error() string { return e.Reason }
