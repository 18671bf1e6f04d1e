package agents

import (
	"context"
	"strings"
	"time"
)

// InstanceSummary is one line of a person's overview: the instance and its
// newest message.
type InstanceSummary struct {
	ID              string
	Status          string
	Name            *string
	AgentType       string
	StartedAt       time.Time
	UpdatedAt       time.Time
	EndedAt         *time.Time
	LastHeartbeatAt *time.Time
	StepCount       int64
	// The newest message, cut to its first 500 characters; empty when the
	// instance has none yet.
	LastContent       string
	LastSender        string
	LastRequiresInput bool
	LastAt            *time.Time
}

// InstanceFilter narrows the overview; empty fields match everything.
type InstanceFilter struct {
	Statuses  []string
	AgentType string
	Limit     int // 0 = 100
}

// InstanceCount is how many instances of one agent type have one status.
type InstanceCount struct {
	AgentType string
	Status    string
	Count     int64
}

// Overview lists the user's instances, most recently active first.
func (s *Service) Overview(ctx context.Context, userID string, f InstanceFilter) ([]InstanceSummary, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.AgentType = normalizeAgentType(f.AgentType)
	return s.repo.overview(ctx, userID, f)
}

// InstanceCounts counts the user's instances by agent type and status.
func (s *Service) InstanceCounts(ctx context.Context, userID string) ([]InstanceCount, error) {
	return s.repo.instanceCounts(ctx, userID)
}

func (r repo) overview(ctx context.Context, userID string, f InstanceFilter) ([]InstanceSummary, error) {
	q := r.db.WithContext(ctx).Table("agent_instances i").
		Select(`i.id, i.status, i.name, i.started_at, i.updated_at, i.ended_at, i.last_heartbeat_at, i.step_count,
			t.name AS agent_type, substr(m.content, 1, 500) AS last_content, m.sender_type AS last_sender,
			m.requires_user_input AS last_requires_input, m.created_at AS last_at`).
		Joins("JOIN agent_types t ON t.id = i.agent_type_id").
		// Both sides use the (instance_id, seq) index: one probe per row.
		Joins("LEFT JOIN messages m ON m.instance_id = i.id AND m.seq = (SELECT max(seq) FROM messages x WHERE x.instance_id = i.id)").
		Where("i.user_id = ?", userID)
	if len(f.Statuses) > 0 {
		q = q.Where("i.status IN ?", f.Statuses)
	}
	if f.AgentType != "" {
		q = q.Where("t.name = ?", f.AgentType)
	}
	var rows []struct {
		InstanceSummary
		LastContent       *string
		LastSender        *string
		LastRequiresInput *bool
	}
	if err := q.Order("i.updated_at DESC, i.id").Limit(f.Limit).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]InstanceSummary, len(rows))
	for i, r := range rows {
		out[i] = r.InstanceSummary
		if r.LastContent != nil {
			out[i].LastContent = strings.ToValidUTF8(*r.LastContent, "")
			out[i].LastSender = *r.LastSender
			out[i].LastRequiresInput = *r.LastRequiresInput
		}
	}
	return out, nil
}

func (r repo) instanceCounts(ctx context.Context, userID string) ([]InstanceCount, error) {
	var out []InstanceCount
	err := r.db.WithContext(ctx).Table("agent_instances i").
		Select("t.name AS agent_type, i.status, count(*) AS count").
		Joins("JOIN agent_types t ON t.id = i.agent_type_id").
		Where("i.user_id = ?", userID).
		Group("t.name, i.status").Order("t.name, i.status").Scan(&out).Error
	return out, err
}

// Label names an instance for people: its name, else its agent type.
func (s *Service) Label(ctx context.Context, userID, instanceID string) (string, error) {
	inst, err := s.OwnedInstance(ctx, userID, instanceID)
	if err != nil {
		return "", err
	}
	return inst.Label(), nil
}
