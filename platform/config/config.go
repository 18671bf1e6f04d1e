// Package config reads the server's settings from flags and the environment.
// Every command of the binary uses the same settings, so a CLI command run next
// to a server talks to the same database.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config holds everything the platform needs to start.
type Config struct {
	Listen      string // host:port the HTTP server binds
	DataDir     string // folder for the SQLite file and other local state
	DatabaseURL string // postgres:// URL; empty means embedded SQLite in DataDir
	BaseURL     string // public URL used in links, without a trailing slash
	LogLevel    string // debug, info, warn, error
	LogFormat   string // text or json
	// MCPProgress is how often a blocked MCP call tells its client it is
	// still alive (clients time out silent calls).
	MCPProgress time.Duration
	// SMTP server for email notifications; empty SMTPHost turns email off.
	SMTPHost, SMTPUsername, SMTPPassword, SMTPFrom, SMTPTLS string
	SMTPPort                                                int
	// NotifyRetryBase is the first retry's delay of a failed notification;
	// NotifyCoalesce is how long a step notification waits for more steps.
	NotifyRetryBase, NotifyCoalesce time.Duration
	// MaxLiveStreams bounds one person's open live pages (SSE streams).
	MaxLiveStreams int

	derivedBaseURL bool // BaseURL came from Listen, not from the user
}

// Env reads an environment variable; tests pass a map-backed one.
type Env func(string) string

// Bind registers the shared flags on fs with defaults taken from env, and
// returns a function that finishes the Config after fs.Parse.
func Bind(fs *flag.FlagSet, env Env) func() (Config, error) {
	c := Config{}
	fs.StringVar(&c.Listen, "listen", orDefault(env("OMNARA_LISTEN"), "127.0.0.1:8080"), "address to listen on (env OMNARA_LISTEN)")
	bindStorage(fs, env, &c)
	fs.StringVar(&c.BaseURL, "base-url", env("OMNARA_BASE_URL"), "public URL used in links (env OMNARA_BASE_URL; default derived from --listen)")
	progress := fs.String("mcp-progress-interval", orDefault(env("OMNARA_MCP_PROGRESS_INTERVAL"), "25s"), "how often a waiting MCP call sends a progress notification (env OMNARA_MCP_PROGRESS_INTERVAL)")
	fs.StringVar(&c.SMTPHost, "smtp-host", env("OMNARA_SMTP_HOST"), "SMTP server for email notifications (env OMNARA_SMTP_HOST)")
	smtpPort := fs.String("smtp-port", orDefault(env("OMNARA_SMTP_PORT"), "587"), "SMTP port (env OMNARA_SMTP_PORT)")
	fs.StringVar(&c.SMTPUsername, "smtp-username", env("OMNARA_SMTP_USERNAME"), "SMTP user name, if the server wants one (env OMNARA_SMTP_USERNAME)")
	fs.StringVar(&c.SMTPPassword, "smtp-password", env("OMNARA_SMTP_PASSWORD"), "SMTP password (env OMNARA_SMTP_PASSWORD; prefer the variable: flags show in process lists)")
	fs.StringVar(&c.SMTPFrom, "smtp-from", env("OMNARA_SMTP_FROM"), "sender address of notification emails (env OMNARA_SMTP_FROM)")
	fs.StringVar(&c.SMTPTLS, "smtp-tls", orDefault(env("OMNARA_SMTP_TLS"), "starttls"), "starttls, tls or none (env OMNARA_SMTP_TLS)")
	retry := fs.String("notify-retry-base", orDefault(env("OMNARA_NOTIFY_RETRY_BASE"), "2s"), "first retry delay of a failed notification, doubled each time (env OMNARA_NOTIFY_RETRY_BASE)")
	coalesce := fs.String("notify-coalesce", orDefault(env("OMNARA_NOTIFY_COALESCE"), "30s"), "how long a step notification waits to fold in more steps (env OMNARA_NOTIFY_COALESCE)")
	streams := fs.String("max-live-streams", orDefault(env("OMNARA_MAX_LIVE_STREAMS"), "32"), "open live pages (SSE streams) allowed per person (env OMNARA_MAX_LIVE_STREAMS)")
	return func() (Config, error) {
		d, err := time.ParseDuration(*progress)
		if err != nil || d < 100*time.Millisecond || d > 5*time.Minute {
			return c, fmt.Errorf("--mcp-progress-interval %q is not a duration between 100ms and 5m", *progress)
		}
		c.MCPProgress = d
		if c.SMTPPort, err = strconv.Atoi(*smtpPort); err != nil || c.SMTPPort < 1 || c.SMTPPort > 65535 {
			return c, fmt.Errorf("--smtp-port %q is not a port number", *smtpPort)
		}
		if c.SMTPTLS != "starttls" && c.SMTPTLS != "tls" && c.SMTPTLS != "none" {
			return c, fmt.Errorf("--smtp-tls %q is not starttls, tls or none", c.SMTPTLS)
		}
		if c.SMTPHost != "" && c.SMTPFrom == "" {
			return c, errors.New("--smtp-from (OMNARA_SMTP_FROM) is required when an SMTP host is set")
		}
		if c.MaxLiveStreams, err = strconv.Atoi(*streams); err != nil || c.MaxLiveStreams < 1 || c.MaxLiveStreams > 100000 {
			return c, fmt.Errorf("--max-live-streams %q is not a number between 1 and 100000", *streams)
		}
		if c.NotifyRetryBase, err = time.ParseDuration(*retry); err != nil || c.NotifyRetryBase < 10*time.Millisecond || c.NotifyRetryBase > time.Hour {
			return c, fmt.Errorf("--notify-retry-base %q is not a duration between 10ms and 1h", *retry)
		}
		if c.NotifyCoalesce, err = time.ParseDuration(*coalesce); err != nil || c.NotifyCoalesce < 0 || c.NotifyCoalesce > time.Hour {
			return c, fmt.Errorf("--notify-coalesce %q is not a duration between 0s and 1h", *coalesce)
		}
		return c.finish()
	}
}

// BindStorage registers only the flags that choose and reach the database,
// and logging, for commands that open the database but serve nothing (the
// load generator's raw-insert comparison).
func BindStorage(fs *flag.FlagSet, env Env) func() (Config, error) {
	c := Config{Listen: "127.0.0.1:8080"}
	bindStorage(fs, env, &c)
	return func() (Config, error) { return c.finish() } // after Parse, not now
}

func bindStorage(fs *flag.FlagSet, env Env, c *Config) {
	fs.StringVar(&c.DataDir, "data-dir", orDefault(env("OMNARA_DATA_DIR"), "./data"), "folder for the SQLite database (env OMNARA_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL"), "postgres:// URL; empty uses SQLite (env DATABASE_URL)")
	fs.StringVar(&c.LogLevel, "log-level", orDefault(env("OMNARA_LOG_LEVEL"), "info"), "debug, info, warn or error (env OMNARA_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", orDefault(env("OMNARA_LOG_FORMAT"), "text"), "text or json (env OMNARA_LOG_FORMAT)")
}

func (c Config) finish() (Config, error) {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return c, fmt.Errorf("--listen %q is not a host:port address", c.Listen)
	}
	if c.DatabaseURL != "" && !c.Postgres() {
		return c, errors.New("DATABASE_URL must start with postgres:// or postgresql:// (leave it empty for SQLite)")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return c, fmt.Errorf("log level %q is not one of debug, info, warn, error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("log format %q is not text or json", c.LogFormat)
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + browsable(c.Listen)
		c.derivedBaseURL = true
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("OMNARA_BASE_URL %q is not an http(s) URL", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return c, nil
}

// Postgres reports whether the PostgreSQL store is selected.
func (c Config) Postgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// SQLitePath is the database file used when no DATABASE_URL is set.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "omnara.db") }

// Secure reports whether links are served over TLS, which decides cookie flags.
func (c Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// Bound returns the config for a server that actually bound addr (which
// differs from Listen when the port was 0): a derived BaseURL follows it.
func (c Config) Bound(addr string) Config {
	c.Listen = addr
	if c.derivedBaseURL {
		c.BaseURL = "http://" + browsable(addr)
	}
	return c
}

// browsable turns a listen address into one a browser can open: a wildcard
// host becomes localhost.
func browsable(listen string) string {
	host, port, _ := net.SplitHostPort(listen)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
