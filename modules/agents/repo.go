package agents

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// repo is the only place that speaks GORM for the agents domain. Every
// query names the owner; ownerOf exists only because Omnara's routes must
// tell "another user's" from "unknown".
type repo struct{ db *gorm.DB }

// inTx runs f in one transaction.
func (r repo) inTx(ctx context.Context, f func(r repo) error) error {
	return r.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return f(repo{tx}) })
}

func (r repo) postgres() bool { return r.db.Dialector.Name() == "postgres" }

// ownerOf returns the user owning an instance, or "" when none exists.
func (r repo) ownerOf(ctx context.Context, instanceID string) (string, error) {
	var owners []string
	err := r.db.WithContext(ctx).Model(&Instance{}).Where("id = ?", instanceID).Limit(1).Pluck("user_id", &owners).Error
	if err != nil || len(owners) == 0 {
		return "", err
	}
	return owners[0], nil
}

// instance loads one of the user's instances with its agent type.
func (r repo) instance(ctx context.Context, userID, id string) (*Instance, error) {
	var in Instance
	err := r.db.WithContext(ctx).Preload("AgentType").
		Where("user_id = ? AND id = ?", userID, id).Take(&in).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrInstanceNotFound
	}
	return &in, err
}

// lockInstance loads one of the user's instances inside a transaction and,
// on PostgreSQL, locks its row so writers of one instance take turns
// (SQLite transactions are already serialised). That keeps message order
// equal to commit order.
func (r repo) lockInstance(ctx context.Context, userID, id string) (*Instance, error) {
	in, err := r.lockInstanceAnyOwner(ctx, id)
	if err == nil && in.UserID != userID {
		return nil, ErrInstanceNotFound
	}
	return in, err
}

// lockInstanceAnyOwner is lockInstance for callers that must tell another
// user's instance from an unknown one (Omnara's routes); they check the
// owner themselves.
func (r repo) lockInstanceAnyOwner(ctx context.Context, id string) (*Instance, error) {
	q := r.db.WithContext(ctx)
	if r.postgres() {
		q = q.Clauses(clause.Locking{Strength: "NO KEY UPDATE"})
	}
	var in Instance
	err := q.Where("id = ?", id).Take(&in).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrInstanceNotFound
	}
	return &in, err
}

// ensureAgentType finds the user's agent type by name or creates it; two
// requests creating the same name at once end up with the same row.
func (r repo) ensureAgentType(ctx context.Context, userID, name string, now time.Time) (*AgentType, error) {
	at := AgentType{ID: newID(), UserID: userID, Name: name, CreatedAt: now}
	if err := r.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&at).Error; err != nil {
		return nil, err
	}
	var got AgentType
	err := r.db.WithContext(ctx).Where("user_id = ? AND name = ?", userID, name).Take(&got).Error
	return &got, err
}

func (r repo) createInstance(ctx context.Context, in *Instance) error {
	err := r.db.WithContext(ctx).Omit("AgentType").Create(in).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return ErrInstanceExists
	}
	return err
}

// updateInstance writes the given columns of one of the user's instances.
func (r repo) updateInstance(ctx context.Context, userID, id string, cols map[string]any) error {
	res := r.db.WithContext(ctx).Model(&Instance{}).Where("user_id = ? AND id = ?", userID, id).Updates(cols)
	if res.Error == nil && res.RowsAffected == 0 {
		return ErrInstanceNotFound
	}
	return res.Error
}

// readState reads the read-pointer state of an instance, whoever owns it
// (the caller checks), without locking it.
func (r repo) readState(ctx context.Context, id string) (*Instance, error) {
	var in Instance
	err := r.db.WithContext(ctx).
		Select("id", "user_id", "status", "last_read_message_id", "last_read_seq", "last_user_seq").
		Where("id = ?", id).Take(&in).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrInstanceNotFound
	}
	return &in, err
}

// lockInstances loads the instances with these ids, whoever owns them,
// keyed by id; on PostgreSQL their rows stay locked until the transaction
// ends, in id order so two batches cannot deadlock. Only the columns a
// message write needs are read. NO KEY UPDATE, the lock an UPDATE of
// non-key columns takes, still lets others insert messages that reference
// the row.
func (r repo) lockInstances(ctx context.Context, ids []string) (map[string]*Instance, error) {
	q := r.db.WithContext(ctx).
		Select("id", "user_id", "agent_type_id", "status", "step_count", "last_read_seq", "last_user_seq").
		Where("id IN ?", ids).Order("id")
	if r.postgres() {
		q = q.Clauses(clause.Locking{Strength: "NO KEY UPDATE"})
	}
	var found []Instance
	if err := q.Find(&found).Error; err != nil {
		return nil, err
	}
	byID := make(map[string]*Instance, len(found))
	for i := range found {
		byID[found[i].ID] = &found[i]
	}
	return byID, nil
}

// updateProgress writes what an agent message changes on its instance
// (status, step count, read pointer, heartbeat) for many instances in one
// statement: an upsert whose rows all exist, so only its update runs.
// Callers hold the rows (lockInstances) and pass each owner's instance.
func (r repo) updateProgress(ctx context.Context, ins []Instance) error {
	for i := range ins {
		if ins[i].StartedAt.IsZero() {
			ins[i].StartedAt = ins[i].UpdatedAt // never written: the row exists
		}
	}
	progress := []string{"status", "step_count", "last_read_message_id", "last_read_seq", "last_heartbeat_at", "updated_at"}
	return r.db.WithContext(ctx).
		Select(append([]string{"id", "user_id", "agent_type_id", "started_at"}, progress...)).
		Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "id"}},
			DoUpdates: clause.AssignmentColumns(progress),
		}).Create(&ins).Error
}

// createMessages inserts messages in one statement and fills in their
// sequence numbers.
func (r repo) createMessages(ctx context.Context, ms []Message) error {
	return r.db.WithContext(ctx).Create(&ms).Error
}

func (r repo) createMessage(ctx context.Context, m *Message) error {
	return r.db.WithContext(ctx).Create(m).Error
}

// message loads one of the user's messages by id.
func (r repo) message(ctx context.Context, userID, id string) (*Message, error) {
	var m Message
	err := r.db.WithContext(ctx).Where("user_id = ? AND id = ?", userID, id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrMessageNotFound
	}
	return &m, err
}

// userMessagesAfter lists an instance's USER messages newer than the
// message with sequence number afterSeq (0 = all), oldest first; limit 0
// means all of them.
func (r repo) userMessagesAfter(ctx context.Context, userID, instanceID string, afterSeq int64, limit int) ([]Message, error) {
	q := r.db.WithContext(ctx).
		Where("user_id = ? AND instance_id = ? AND sender_type = ? AND seq > ?", userID, instanceID, SenderUser, afterSeq).
		Order("seq")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var ms []Message
	err := q.Find(&ms).Error
	return ms, err
}

// latestMessages returns the newest limit messages of an instance, oldest
// first.
func (r repo) latestMessages(ctx context.Context, userID, instanceID string, limit int) ([]Message, error) {
	var ms []Message
	q := r.db.WithContext(ctx).Where("user_id = ? AND instance_id = ?", userID, instanceID).Order("seq DESC")
	if limit > 0 {
		q = q.Limit(limit)
	}
	if err := q.Find(&ms).Error; err != nil {
		return nil, err
	}
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	return ms, nil
}

// messagesBefore returns an instance's newest limit messages with a
// sequence number below beforeSeq (0 = no bound), newest first.
func (r repo) messagesBefore(ctx context.Context, userID, instanceID string, beforeSeq int64, limit int) ([]Message, error) {
	q := r.db.WithContext(ctx).Where("user_id = ? AND instance_id = ?", userID, instanceID)
	if beforeSeq > 0 {
		q = q.Where("seq < ?", beforeSeq)
	}
	var ms []Message
	err := q.Order("seq DESC").Limit(limit).Find(&ms).Error
	return ms, err
}

// messagesAfter returns the user's messages above afterSeq, in one
// instance or (instanceID "") all, oldest first.
func (r repo) messagesAfter(ctx context.Context, userID, instanceID string, afterSeq int64, limit int) ([]Message, error) {
	q := r.db.WithContext(ctx).Where("user_id = ? AND seq > ?", userID, afterSeq)
	if instanceID != "" {
		q = q.Where("instance_id = ?", instanceID)
	}
	var ms []Message
	err := q.Order("seq").Limit(limit).Find(&ms).Error
	return ms, err
}

// latestQuestion returns the instance's newest question, or nil.
func (r repo) latestQuestion(ctx context.Context, userID, instanceID string) (*Message, error) {
	var ms []Message
	err := r.db.WithContext(ctx).
		Where("user_id = ? AND instance_id = ? AND sender_type = ? AND requires_user_input = ?", userID, instanceID, SenderAgent, true).
		Order("seq DESC").Limit(1).Find(&ms).Error
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	return &ms[0], nil
}

func (r repo) updateMessage(ctx context.Context, userID, id string, cols map[string]any) error {
	return r.db.WithContext(ctx).Model(&Message{}).Where("user_id = ? AND id = ?", userID, id).Updates(cols).Error
}

// advancePointer moves the read pointer from old to the message next if it
// is still old; it reports whether it moved.
func (r repo) advancePointer(ctx context.Context, userID, id, old string, next Message, now time.Time) (bool, error) {
	res := r.db.WithContext(ctx).Model(&Instance{}).
		Where("user_id = ? AND id = ? AND last_read_message_id = ?", userID, id, old).
		Updates(map[string]any{"last_read_message_id": next.ID, "last_read_seq": next.Seq, "updated_at": now})
	return res.RowsAffected == 1, res.Error
}

// deleteInstance removes an instance and its messages (foreign keys would
// cascade, but saying it keeps both databases honest).
func (r repo) deleteInstance(ctx context.Context, userID, id string) error {
	if err := r.db.WithContext(ctx).Where("user_id = ? AND instance_id = ?", userID, id).Delete(&Message{}).Error; err != nil {
		return err
	}
	return r.db.WithContext(ctx).Where("user_id = ? AND id = ?", userID, id).Delete(&Instance{}).Error
}

func (r repo) touchHeartbeat(ctx context.Context, userID, id string, now time.Time) error {
	res := r.db.WithContext(ctx).Model(&Instance{}).
		Where("user_id = ? AND id = ?", userID, id).Update("last_heartbeat_at", now)
	if res.Error == nil && res.RowsAffected == 0 {
		return ErrInstanceNotFound
	}
	return res.Error
}
