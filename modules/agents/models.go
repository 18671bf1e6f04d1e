package agents

import "time"

// Instance statuses, spelled as Omnara's clients expect.
const (
	StatusActive        = "ACTIVE"
	StatusAwaitingInput = "AWAITING_INPUT"
	StatusPaused        = "PAUSED"
	StatusStale         = "STALE"
	StatusCompleted     = "COMPLETED"
	StatusFailed        = "FAILED"
	StatusKilled        = "KILLED"
	StatusDisconnected  = "DISCONNECTED"
	StatusDeleted       = "DELETED"
)

// Message senders.
const (
	SenderAgent = "AGENT"
	SenderUser  = "USER"
)

// AgentType groups a user's instances by the agent that runs them
// ("claude-code", "n8n"); names are trimmed and lower-cased.
type AgentType struct {
	ID        string `gorm:"primaryKey"`
	UserID    string
	Name      string
	CreatedAt time.Time
}

// Instance is one session of an agent, with an id the client chose.
type Instance struct {
	ID                string `gorm:"primaryKey"`
	UserID            string
	AgentTypeID       string
	Status            string
	Name              *string
	StartedAt         time.Time
	EndedAt           *time.Time
	LastHeartbeatAt   *time.Time
	GitDiff           *string
	InstanceMetadata  *string // JSON object
	LastReadMessageID *string // newest message the agent has seen
	StepCount         int64   // agent messages that are not questions
	LastReadSeq       int64   // Seq of LastReadMessageID (0 = none)
	LastUserSeq       int64   // Seq of the newest user message (0 = none)
	UpdatedAt         time.Time

	AgentType AgentType `gorm:"foreignKey:AgentTypeID"`
}

// Label names the instance for people: its name, else its agent type (the
// agent type must be loaded).
func (in *Instance) Label() string {
	if in.Name != nil && *in.Name != "" {
		return *in.Name
	}
	return in.AgentType.Name
}

// hasUnread reports whether a user message is newer than the read pointer.
func (in *Instance) hasUnread() bool { return in.LastUserSeq > in.LastReadSeq }

// TableName keeps Omnara's table name.
func (Instance) TableName() string { return "agent_instances" }

// Message is a step, a question (RequiresUserInput) or a person's reply.
// Seq orders messages across the database; ID is what clients see.
type Message struct {
	Seq               int64 `gorm:"primaryKey;autoIncrement"`
	ID                string
	UserID            string
	InstanceID        string
	SenderType        string
	Content           string
	RequiresUserInput bool
	MessageMetadata   *string // JSON object, as the client sent it
	CreatedAt         time.Time
}
