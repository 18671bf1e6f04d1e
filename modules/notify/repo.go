package notify

import (
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// repo is the only place that speaks GORM for notifications. Its db
// carries the caller's context (and transaction).
type repo struct{ db *gorm.DB }

func (r repo) postgres() bool { return r.db.Dialector.Name() == "postgres" }

// userState loads a person's enabled channels and quiet hours.
func (r repo) userState(userID string, now time.Time) (*userState, error) {
	st := &userState{loaded: now, prefs: Prefs{UserID: userID, TimeZone: "UTC"}}
	if err := r.db.Where("user_id = ? AND enabled = ?", userID, true).Order("created_at, id").Find(&st.channels).Error; err != nil {
		return nil, err
	}
	var ps []Prefs
	if err := r.db.Where("user_id = ?", userID).Limit(1).Find(&ps).Error; err != nil {
		return nil, err
	}
	if len(ps) == 1 {
		st.prefs = ps[0]
	}
	return st, nil
}

// foldStep adds a step to the session's step notification that has not
// been tried yet, if there is one.
func (r repo) foldStep(instanceID, text string) (bool, error) {
	res := r.db.Exec(`UPDATE notifications SET body = ?, steps = steps + 1
		WHERE id = (SELECT n.id FROM notifications n WHERE n.instance_id = ? AND n.kind = 'step'
			AND EXISTS (SELECT 1 FROM notify_deliveries d WHERE d.notification_id = n.id AND d.status = 'pending' AND d.attempts = 0)
			ORDER BY n.created_at DESC LIMIT 1)`, text, instanceID)
	return res.RowsAffected > 0, res.Error
}

func (r repo) insertNotification(n *notification, ds []delivery) error {
	if err := r.db.Create(n).Error; err != nil {
		return err
	}
	return r.db.Create(&ds).Error
}

// claimed is a delivery a worker now holds.
type claimed struct {
	NotificationID string
	ChannelID      string
	UserID         string
	Attempts       int
}

// claim takes up to limit due deliveries for lease. On PostgreSQL rows
// locked by another instance's worker are skipped, so two workers never
// hold one delivery; SQLite has a single worker.
func (r repo) claim(now time.Time, lease time.Duration, limit int) ([]claimed, error) {
	var out []claimed
	q := `UPDATE notify_deliveries SET claimed_until = ?, attempts = attempts + 1
		WHERE (notification_id, channel_id) IN (
			SELECT notification_id, channel_id FROM notify_deliveries
			WHERE status = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
			ORDER BY next_attempt_at LIMIT ?`
	if r.postgres() {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	q += `) RETURNING notification_id, channel_id, user_id, attempts`
	err := r.db.Raw(q, now.Add(lease), now, now, limit).Scan(&out).Error
	return out, err
}

// nextDue returns when the earliest pending delivery falls due.
func (r repo) nextDue() (time.Time, bool, error) {
	var ds []delivery
	err := r.db.Select("next_attempt_at").Where("status = ?", statusPending).Order("next_attempt_at").Limit(1).Find(&ds).Error
	if err != nil || len(ds) == 0 {
		return time.Time{}, false, err
	}
	return ds[0].NextAttemptAt, true, nil
}

func (r repo) notification(id string) (*notification, error) {
	var n notification
	return &n, r.db.Where("id = ?", id).Take(&n).Error
}

func (r repo) channel(id string) (*Channel, error) {
	var c Channel
	return &c, r.db.Where("id = ?", id).Take(&c).Error
}

// finish records a delivery's outcome; only the holder of a pending claim
// can.
func (r repo) finish(d claimed, cols map[string]any) error {
	return r.db.Model(&delivery{}).
		Where("notification_id = ? AND channel_id = ? AND status = ?", d.NotificationID, d.ChannelID, statusPending).
		Updates(cols).Error
}

func (r repo) channels(userID string) ([]Channel, error) {
	var cs []Channel
	err := r.db.Where("user_id = ?", userID).Order("created_at, id").Find(&cs).Error
	return cs, err
}

func (r repo) createChannel(c *Channel) error { return r.db.Create(c).Error }

// deleteChannel removes one of the user's channels (userID "" = any, for
// the administrator's command line); it returns the owner.
func (r repo) deleteChannel(userID, id string) (string, error) {
	var c Channel
	q := r.db.Where("id = ?", id)
	if userID != "" {
		q = q.Where("user_id = ?", userID)
	}
	if err := q.Take(&c).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return "", ErrChannelNotFound
		}
		return "", err
	}
	return c.UserID, r.db.Where("id = ?", c.ID).Delete(&Channel{}).Error
}

func (r repo) disableChannel(id string) error {
	return r.db.Model(&Channel{}).Where("id = ?", id).Update("enabled", false).Error
}

func (r repo) savePrefs(p *Prefs) error {
	return r.db.Clauses(clause.OnConflict{UpdateAll: true}).Create(p).Error
}

// markAnswered records the first use of a question's answer link; it
// reports false when the link was used before.
func (r repo) markAnswered(questionID string, now time.Time) (bool, error) {
	res := r.db.Exec(`INSERT INTO notify_answered (question_id, used_at) VALUES (?, ?) ON CONFLICT (question_id) DO NOTHING`, questionID, now)
	return res.RowsAffected == 1, res.Error
}

func (r repo) unmarkAnswered(questionID string) error {
	return r.db.Exec(`DELETE FROM notify_answered WHERE question_id = ?`, questionID).Error
}
