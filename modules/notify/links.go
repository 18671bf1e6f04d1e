package notify

import (
	"context"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// linkClaims are an answer link's: one question of one person, until an
// expiry.
type linkClaims struct {
	QuestionID string `json:"q"`
	InstanceID string `json:"i"`
	jwt.RegisteredClaims
}

// AnswerLink is a verified link: whose question it answers.
type AnswerLink struct {
	UserID, InstanceID, QuestionID string
}

// answerURL signs a link that answers one question, once.
func (s *Service) answerURL(userID, instanceID, questionID string, now time.Time) (string, error) {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, linkClaims{
		QuestionID: questionID, InstanceID: instanceID,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject: userID, ID: uuid.NewString(), IssuedAt: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.deps.LinkLifetime)),
		},
	}).SignedString(s.linkKey)
	if err != nil {
		return "", err
	}
	return s.deps.BaseURL + "/a/" + tok, nil
}

// VerifyLink checks an answer link's signature and expiry and whether it
// was used. It does not use it.
func (s *Service) VerifyLink(ctx context.Context, token string) (AnswerLink, error) {
	var c linkClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.linkKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.now))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return AnswerLink{}, ErrLinkExpired
	case err != nil || c.QuestionID == "" || c.Subject == "" || c.InstanceID == "":
		return AnswerLink{}, ErrLinkInvalid
	}
	var used int64
	if err := s.db.WithContext(ctx).Table("notify_answered").Where("question_id = ?", c.QuestionID).Count(&used).Error; err != nil {
		return AnswerLink{}, err
	}
	if used > 0 {
		return AnswerLink{}, ErrLinkUsed
	}
	return AnswerLink{UserID: c.Subject, InstanceID: c.InstanceID, QuestionID: c.QuestionID}, nil
}

// UseLink answers through a link exactly once: answer runs only for the
// first caller, and a failed answer frees the link again.
func (s *Service) UseLink(ctx context.Context, token string, answer func(AnswerLink) error) error {
	l, err := s.VerifyLink(ctx, token)
	if err != nil {
		return err
	}
	first, err := s.repo(ctx).markAnswered(l.QuestionID, s.now())
	if err != nil {
		return err
	}
	if !first {
		return ErrLinkUsed
	}
	if err := answer(l); err != nil {
		if uerr := s.repo(context.WithoutCancel(ctx)).unmarkAnswered(l.QuestionID); uerr != nil {
			s.logger.Warn("could not free an answer link after a failed answer", "err", uerr)
		}
		return err
	}
	return nil
}
