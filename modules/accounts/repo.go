package accounts

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// repo is the only place that speaks GORM for accounts. Rows owned by a user
// are always read and written with that user's id.
type repo struct{ db *gorm.DB }

func (r repo) countUsers(ctx context.Context) (int64, error) {
	var n int64
	err := r.db.WithContext(ctx).Model(&User{}).Count(&n).Error
	return n, err
}

func (r repo) createUser(ctx context.Context, u *User) error {
	err := r.db.WithContext(ctx).Create(u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return ErrEmailTaken
	}
	return err
}

func (r repo) userByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	err := r.db.WithContext(ctx).Where("email = ?", email).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrUserNotFound
	}
	return &u, err
}

func (r repo) userByID(ctx context.Context, id string) (*User, error) {
	var u User
	err := r.db.WithContext(ctx).Where("id = ?", id).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrUserNotFound
	}
	return &u, err
}

// insertSetting stores name=value unless it exists; it reports whether this
// call wrote it, so instances racing on first start agree on one value.
func (r repo) insertSetting(ctx context.Context, name, value string) (bool, error) {
	res := r.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&serverSetting{Name: name, Value: value})
	return res.RowsAffected == 1, res.Error
}

func (r repo) setting(ctx context.Context, name string) (string, error) {
	var s serverSetting
	err := r.db.WithContext(ctx).Where("name = ?", name).Take(&s).Error
	return s.Value, err
}

func (r repo) createSession(ctx context.Context, s *LoginSession) error {
	return r.db.WithContext(ctx).Create(s).Error
}

func (r repo) sessionByHash(ctx context.Context, hash string, now time.Time) (*LoginSession, error) {
	var s LoginSession
	err := r.db.WithContext(ctx).Where("token_hash = ? AND expires_at > ?", hash, now).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrSessionNotFound
	}
	return &s, err
}

func (r repo) touchSession(ctx context.Context, userID, id string, now time.Time) error {
	return r.db.WithContext(ctx).Model(&LoginSession{}).
		Where("user_id = ? AND id = ?", userID, id).Update("last_seen_at", now).Error
}

// deleteSessionByHash signs one browser out and returns whose it was.
func (r repo) deleteSessionByHash(ctx context.Context, hash string) (string, error) {
	var ls LoginSession
	err := r.db.WithContext(ctx).Select("user_id").Where("token_hash = ?", hash).Take(&ls).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return ls.UserID, r.db.WithContext(ctx).Where("token_hash = ?", hash).Delete(&LoginSession{}).Error
}

func (r repo) sessionsOf(ctx context.Context, userID string, now time.Time) ([]LoginSession, error) {
	var ss []LoginSession
	err := r.db.WithContext(ctx).Where("user_id = ? AND expires_at > ?", userID, now).
		Order("last_seen_at DESC, id").Limit(200).Find(&ss).Error
	return ss, err
}

func (r repo) sessionExists(ctx context.Context, userID, id string, now time.Time) (bool, error) {
	var n int64
	err := r.db.WithContext(ctx).Model(&LoginSession{}).
		Where("user_id = ? AND id = ? AND expires_at > ?", userID, id, now).Count(&n).Error
	return n > 0, err
}

// deleteSessions removes the user's session only (when not "") or all but
// keep (when not "").
func (r repo) deleteSessions(ctx context.Context, userID, only, keep string) (int64, error) {
	q := r.db.WithContext(ctx).Where("user_id = ?", userID)
	if only != "" {
		q = q.Where("id = ?", only)
	}
	if keep != "" {
		q = q.Where("id <> ?", keep)
	}
	res := q.Delete(&LoginSession{})
	return res.RowsAffected, res.Error
}

func (r repo) updateUser(ctx context.Context, userID string, cols map[string]any) error {
	res := r.db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).Updates(cols)
	if res.Error == nil && res.RowsAffected == 0 {
		return ErrUserNotFound
	}
	return res.Error
}

func (r repo) createKey(ctx context.Context, k *APIKey) error {
	return r.db.WithContext(ctx).Create(k).Error
}

func (r repo) keysOf(ctx context.Context, userID string) ([]APIKey, error) {
	var keys []APIKey
	err := r.db.WithContext(ctx).Where("user_id = ?", userID).Order("created_at, id").Find(&keys).Error
	return keys, err
}

func (r repo) keyByHash(ctx context.Context, hash string) (*APIKey, error) {
	var k APIKey
	err := r.db.WithContext(ctx).Where("token_hash = ?", hash).Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrKeyUnknown
	}
	return &k, err
}

// revokeKey marks a key revoked. An empty userID is the administrator's
// command line, which may revoke any key by id.
func (r repo) revokeKey(ctx context.Context, userID, keyID string, now time.Time) (*APIKey, error) {
	var k APIKey
	err := r.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("id = ?", keyID)
		if userID != "" {
			q = q.Where("user_id = ?", userID)
		}
		if err := q.Take(&k).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrKeyNotFound
			}
			return err
		}
		if k.RevokedAt != nil {
			return nil
		}
		k.RevokedAt = &now
		return tx.Model(&APIKey{}).Where("id = ? AND user_id = ?", k.ID, k.UserID).Update("revoked_at", now).Error
	})
	return &k, err
}

func (r repo) touchKey(ctx context.Context, userID, keyID string, now time.Time) error {
	return r.db.WithContext(ctx).Model(&APIKey{}).
		Where("user_id = ? AND id = ?", userID, keyID).Update("last_used_at", now).Error
}

// completeSetup creates the first user only if the one-time setup marker
// can be written and nobody exists yet; both checks sit in one transaction.
func (r repo) completeSetup(ctx context.Context, u *User, now time.Time) error {
	return r.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		txr := repo{tx}
		wrote, err := txr.insertSetting(ctx, settingSetupDone, now.Format(time.RFC3339))
		if err != nil {
			return err
		}
		if !wrote {
			return ErrSetupUnavailable
		}
		if n, err := txr.countUsers(ctx); err != nil || n > 0 {
			if err != nil {
				return err
			}
			return ErrSetupUnavailable
		}
		return txr.createUser(ctx, u)
	})
}
