package notify

import (
	"strings"
	"time"
)

// Events a channel can be told about.
const (
	EventQuestions = "questions"
	EventSteps     = "steps"
	EventEnds      = "ends"
)

// Delivery states.
const (
	statusPending   = "pending"
	statusDelivered = "delivered"
	statusFailed    = "failed"
)

// Channel is one place a person receives notifications.
type Channel struct {
	ID         string `gorm:"primaryKey"`
	UserID     string
	Kind       string
	URL        string
	Token      string
	PushP256dh string `gorm:"column:push_p256dh"`
	PushAuth   string
	Events     string // comma-separated EventQuestions, EventSteps, EventEnds
	Enabled    bool
	CreatedAt  time.Time
}

// TableName keeps the module's prefix.
func (Channel) TableName() string { return "notify_channels" }

// Has reports whether the channel wants event.
func (c Channel) Has(event string) bool {
	for e := range strings.SplitSeq(c.Events, ",") {
		if e == event {
			return true
		}
	}
	return false
}

// Prefs are a person's quiet hours.
type Prefs struct {
	UserID     string `gorm:"primaryKey"`
	QuietStart int    // minutes after midnight
	QuietEnd   int
	TimeZone   string
	UpdatedAt  time.Time
}

// TableName keeps the module's prefix.
func (Prefs) TableName() string { return "notify_prefs" }

// notification is one outbox row.
type notification struct {
	ID         string `gorm:"primaryKey"`
	UserID     string
	InstanceID string
	MessageID  string
	Kind       string
	Body       string
	Metadata   *string
	Steps      int
	CreatedAt  time.Time
}

func (notification) TableName() string { return "notifications" }

// delivery is one notification's state on one channel.
type delivery struct {
	NotificationID string `gorm:"primaryKey"`
	ChannelID      string `gorm:"primaryKey"`
	UserID         string
	Status         string
	Attempts       int
	NextAttemptAt  time.Time
	ClaimedUntil   *time.Time
	LastError      string
	DeliveredAt    *time.Time
}

func (delivery) TableName() string { return "notify_deliveries" }

// kindEvent maps a notice kind to the event a channel subscribes to.
func kindEvent(kind string) string {
	switch kind {
	case "question":
		return EventQuestions
	case "step":
		return EventSteps
	case "end":
		return EventEnds
	}
	return ""
}
