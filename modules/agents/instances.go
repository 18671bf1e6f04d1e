package agents

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/omnara-go/omnara/platform/events"
)

// NewInstance describes an instance registered before its first message.
type NewInstance struct {
	AgentType  string
	InstanceID string // "" = the server picks one
	Name       *string
	Transport  *string
}

// InstanceView is an instance with its newest messages.
type InstanceView struct {
	Instance
	Messages []Message
}

// CreateInstance registers an instance ahead of its first message.
func (s *Service) CreateInstance(ctx context.Context, userID string, in NewInstance) (*Instance, error) {
	id := newID()
	if in.InstanceID != "" {
		var ok bool
		if id, ok = ParseID(in.InstanceID); !ok {
			return nil, ErrInvalidInstanceID
		}
	}
	agentType := normalizeAgentType(in.AgentType)
	if agentType == "" {
		return nil, ErrAgentTypeEmpty
	}
	owner, err := s.repo.ownerOf(ctx, id)
	switch {
	case err != nil:
		return nil, err
	case owner == userID:
		return nil, ErrInstanceExists
	case owner != "":
		return nil, ErrAccessDenied
	}
	var inst *Instance
	err = s.repo.inTx(ctx, func(r repo) error {
		now := s.now()
		at, err := r.ensureAgentType(ctx, userID, agentType, now)
		if err != nil {
			return err
		}
		inst = &Instance{ID: id, UserID: userID, AgentTypeID: at.ID, Status: StatusActive, Name: in.Name, StartedAt: now, UpdatedAt: now}
		if in.Transport != nil {
			meta, _ := json.Marshal(map[string]string{"transport": *in.Transport})
			inst.InstanceMetadata = new(string(meta))
		}
		if err := r.createInstance(ctx, inst); err != nil {
			return err
		}
		inst.AgentType = *at
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.publish(ctx, instanceEvent(userID, id, EventInstanceCreated))
	return inst, nil
}

// Instance returns one of the user's instances with its newest
// messageLimit messages (0 = all), oldest first.
func (s *Service) Instance(ctx context.Context, userID, instanceID string, messageLimit int) (*InstanceView, error) {
	inst, err := s.OwnedInstance(ctx, userID, instanceID)
	if err != nil {
		return nil, err
	}
	msgs, err := s.repo.latestMessages(ctx, userID, inst.ID, messageLimit)
	if err != nil {
		return nil, err
	}
	return &InstanceView{Instance: *inst, Messages: msgs}, nil
}

// OwnedInstance loads one of the user's instances, with its agent type, by
// the id a client gave.
func (s *Service) OwnedInstance(ctx context.Context, userID, instanceID string) (*Instance, error) {
	id, ok := ParseID(instanceID)
	if !ok {
		return nil, ErrInstanceNotFound
	}
	return s.repo.instance(ctx, userID, id)
}

// EndSession marks an instance completed. Ending twice is harmless: the
// first end time stays.
func (s *Service) EndSession(ctx context.Context, userID, instanceID string) error {
	id, ok := ParseID(instanceID)
	if !ok {
		return ErrInvalidInstanceID
	}
	if err := s.checkOwner(ctx, userID, id); err != nil {
		return err
	}
	return s.complete(ctx, userID, id)
}

// UpdateStatus changes an instance's status; only completing is supported.
func (s *Service) UpdateStatus(ctx context.Context, userID, instanceID, status string) error {
	id, ok := ParseID(instanceID)
	if !ok {
		return ErrInstanceNotFound
	}
	// Unknown answers 404 before an unsupported status answers 400; the
	// small state read is enough to know.
	if inst, err := s.repo.readState(ctx, id); err != nil || inst.UserID != userID {
		if err == nil || errors.Is(err, ErrInstanceNotFound) {
			return ErrInstanceNotFound
		}
		return err
	}
	if status != StatusCompleted {
		return ErrStatusNotSupported
	}
	return s.complete(ctx, userID, id)
}

func (s *Service) complete(ctx context.Context, userID, id string) error {
	notified := false
	err := s.repo.inTx(ctx, func(r repo) error {
		inst, err := r.lockInstance(ctx, userID, id)
		if err != nil {
			return err
		}
		now := s.now()
		cols := map[string]any{"status": StatusCompleted, "last_heartbeat_at": now, "updated_at": now}
		if inst.Status != StatusCompleted || inst.EndedAt == nil {
			cols["ended_at"] = now
		}
		if err := r.updateInstance(ctx, userID, id, cols); err != nil {
			return err
		}
		// Ending twice notifies once.
		if inst.Status == StatusCompleted || s.notifier == nil || !s.notifier.Wants(userID, NoticeEnd) {
			return nil
		}
		stored, err := s.enqueue(ctx, r, []Notice{{Kind: NoticeEnd, UserID: userID, InstanceID: id, Text: "The session ended."}})
		notified = stored[""]
		return err
	})
	if err != nil {
		return err
	}
	evs := []events.Event{instanceEvent(userID, id, EventInstanceUpdated)}
	if notified {
		evs = append(evs, instanceEvent(userID, id, EventNotified))
	}
	s.publish(ctx, evs...)
	return nil
}

// Heartbeat records that the agent is alive and returns the time recorded.
func (s *Service) Heartbeat(ctx context.Context, userID, instanceID string) (time.Time, error) {
	id, ok := ParseID(instanceID)
	if !ok {
		return time.Time{}, ErrInvalidInstanceID
	}
	now := s.now()
	if err := s.repo.touchHeartbeat(ctx, userID, id, now); err != nil {
		return time.Time{}, err
	}
	s.publish(ctx, instanceEvent(userID, id, EventHeartbeat))
	return now, nil
}

// Rename gives an instance a name people recognise; an empty name clears it.
func (s *Service) Rename(ctx context.Context, userID, instanceID, name string) error {
	id, ok := ParseID(instanceID)
	if !ok {
		return ErrInstanceNotFound
	}
	name = strings.TrimSpace(name)
	if len(name) > 200 {
		return ErrNameTooLong
	}
	if err := s.repo.updateInstance(ctx, userID, id, map[string]any{"name": nullIfEmpty(name), "updated_at": s.now()}); err != nil {
		return err
	}
	s.publish(ctx, instanceEvent(userID, id, EventInstanceUpdated))
	return nil
}

// Delete removes an instance and all its messages for good.
func (s *Service) Delete(ctx context.Context, userID, instanceID string) error {
	id, ok := ParseID(instanceID)
	if !ok {
		return ErrInstanceNotFound
	}
	err := s.repo.inTx(ctx, func(r repo) error {
		if _, err := r.lockInstance(ctx, userID, id); err != nil {
			return err
		}
		return r.deleteInstance(ctx, userID, id)
	})
	if err != nil {
		return err
	}
	s.publish(ctx, instanceEvent(userID, id, EventInstanceDeleted))
	return nil
}
