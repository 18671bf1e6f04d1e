package accounts

import "errors"

// Errors the service returns; handlers and commands turn them into
// sentences for people.
var (
	ErrEmailTaken         = errors.New("a user with this email already exists")
	ErrInvalidEmail       = errors.New("the email address is not valid")
	ErrWeakPassword       = errors.New("the password must be at least 8 characters long")
	ErrPasswordTooLong    = errors.New("the password must be at most 1024 characters long")
	ErrBadCredentials     = errors.New("the email or password is wrong")
	ErrThrottled          = errors.New("too many failed sign-in attempts")
	ErrUserNotFound       = errors.New("no user has this email")
	ErrKeyNotFound        = errors.New("no API key has this id")
	ErrKeyNameRequired    = errors.New("the key needs a name")
	ErrSessionNotFound    = errors.New("the session has ended")
	ErrSetupUnavailable   = errors.New("the setup link is no longer valid")
	ErrInvalidKeyFormat   = errors.New("the key is malformed")
	ErrInvalidKeySig      = errors.New("the key was not signed by this server")
	ErrKeyRevoked         = errors.New("the key has been revoked")
	ErrKeyUnknown         = errors.New("the key is not known to this server")
	ErrDisplayNameTooLong = errors.New("the name must be at most 200 characters long")
	ErrUnknownTimeZone    = errors.New("the time zone is not known; use an IANA name such as Europe/Paris")
	ErrWrongPassword      = errors.New("the current password is wrong")
)
