package accounts

import "time"

// User is a person who signs in to the dashboard and owns agents and keys.
type User struct {
	ID           string `gorm:"primaryKey"`
	Email        string
	DisplayName  string
	TimeZone     string // IANA name; pages show times in it
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// LoginSession is one signed-in browser. The cookie holds a random token;
// the row holds only its hash.
type LoginSession struct {
	ID         string `gorm:"primaryKey"`
	UserID     string
	TokenHash  string
	UserAgent  string
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// APIKey is an agent credential. The key itself is shown once at creation;
// the row keeps only its SHA-256.
type APIKey struct {
	ID         string `gorm:"primaryKey"`
	UserID     string
	Name       string
	TokenHash  string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// serverSetting is a value every instance of the server shares.
type serverSetting struct {
	Name      string `gorm:"primaryKey"`
	Value     string
	CreatedAt time.Time
}

func (serverSetting) TableName() string { return "server_settings" }

// Principal is who an API key speaks for.
type Principal struct {
	UserID string
	KeyID  string
}
