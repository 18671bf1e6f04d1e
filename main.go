// Command omnara is the whole server in one binary: the agent REST API, the
// MCP endpoint, the dashboard, and the administration commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/omnara-go/omnara/modules/accounts"
	"github.com/omnara-go/omnara/modules/agentapi"
	"github.com/omnara-go/omnara/modules/agents"
	"github.com/omnara-go/omnara/modules/dashboard"
	"github.com/omnara-go/omnara/modules/mcp"
	"github.com/omnara-go/omnara/modules/notify"
	"github.com/omnara-go/omnara/modules/notify/channel"
	"github.com/omnara-go/omnara/platform/events"
	"github.com/omnara-go/omnara/platform/web"
)

// version is stamped at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cli is what every command gets: its arguments and the process's streams.
type cli struct {
	ctx    context.Context
	env    func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

const usage = `omnara: see and answer your AI agents from anywhere.

Usage:
  omnara [serve] [flags]                       run the server (the default)
  omnara migrate up|down|status [flags]        manage the database schema
  omnara user add --email E [--password P | --password-stdin] [--name N]
  omnara token create --email E --name N       print a new agent API key
  omnara token list --email E                  list a user's API keys
  omnara token revoke ID                       revoke an API key
  omnara mcp-stdio --url U --api-key K         stdio MCP bridge to a server's /mcp/
  omnara mcp install --client C --url U --api-key K [--dry-run]
                                               add the server to an MCP client's configuration
  omnara notify add --email E --kind K --url U [--token T] [--events questions,steps,ends]
                                               add a notification channel (kinds: webpush, ntfy,
                                               email, webhook, slack, discord)
  omnara notify list --email E                 list a person's channels
  omnara notify test --email E                 send a test to each of them now
  omnara notify remove ID                      remove a channel
  omnara bench wake|waiters|ingest|sse --url U --api-key K [--json] [--duration D]
                                               load-test a running server (-h per scenario)
  omnara version                               print the version

Every command takes the server's flags (--data-dir, --database-url, ...);
run "omnara serve -h" to list them.
`

// run executes one command and returns the process exit code: 0 done,
// 1 failed, 2 the command line was wrong.
func run(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := cli{ctx: ctx, env: env, stdin: stdin, stdout: stdout, stderr: stderr}
	name := "serve"
	if len(args) > 0 && (len(args[0]) == 0 || args[0][0] != '-') {
		name, args = args[0], args[1:]
	}
	var err error
	switch name {
	case "serve":
		err = c.serve(args)
	case "migrate":
		err = c.migrate(args)
	case "user":
		err = c.user(args)
	case "token":
		err = c.token(args)
	case "mcp-stdio":
		err = c.mcpStdio(args)
	case "mcp":
		err = c.mcpCommand(args)
	case "notify":
		err = c.notifyCommand(args)
	case "bench":
		err = c.benchCommand(args)
	case "version":
		fmt.Fprintln(stdout, "omnara", version)
	case "help":
		fmt.Fprint(stdout, usage)
	default:
		err = usageError("unknown command %q", name)
	}
	var ue *usageErr
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "omnara: %v\n\n%s", err, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "omnara: %v\n", err)
		return 1
	}
}

// domain holds the domain modules a server runs.
type domain struct {
	accounts *accounts.Module
	agents   *agents.Service
	notify   *notify.Service
	broker   events.Broker
	stopping <-chan struct{}
}

// newDomain builds the domain modules over the platform.
func newDomain(ctx context.Context, p *platform, broker events.Broker, stopping <-chan struct{}) (*domain, error) {
	acc, err := accounts.New(ctx, accounts.Deps{DB: p.db.Gorm, Logger: p.logger, BaseURL: p.cfg.BaseURL, Secure: p.cfg.Secure(), Broker: broker, Static: p.static})
	if err != nil {
		return nil, err
	}
	labels := &sessionLabels{}
	nt, err := notify.New(ctx, notify.Deps{
		DB: p.db.Gorm, Broker: broker, Logger: p.logger, Labels: labels, BaseURL: p.cfg.BaseURL,
		SMTP: channel.SMTP{
			Host: p.cfg.SMTPHost, Port: p.cfg.SMTPPort, Username: p.cfg.SMTPUsername, Password: p.cfg.SMTPPassword,
			From: p.cfg.SMTPFrom, TLS: p.cfg.SMTPTLS,
		},
		WakeKind: agents.EventNotified, RetryBase: p.cfg.NotifyRetryBase, Coalesce: p.cfg.NotifyCoalesce,
	})
	if err != nil {
		return nil, err
	}
	ag := agents.NewService(agents.Deps{DB: p.db.Gorm, Broker: broker, Logger: p.logger, Stopping: stopping, Notifier: notices{nt}})
	labels.agents = ag
	p.metrics.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "omnara_waits_in_progress", Help: "Calls blocked waiting for a person's answer.",
		}, func() float64 { return float64(ag.Waiting()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "omnara_agent_message_batches_total", Help: "Transactions that wrote agent messages (group commit).",
		}, func() float64 { b, _ := ag.IngestStats(); return float64(b) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "omnara_agent_messages_written_total", Help: "Agent messages taken into those transactions.",
		}, func() float64 { _, m := ag.IngestStats(); return float64(m) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "omnara_event_subscribers", Help: "Open subscriptions to the events broker (waits, live pages).",
		}, func() float64 { return float64(broker.Subscribers()) }),
	)
	p.metrics.Registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "omnara_notifications_delivered_total", Help: "Notifications a channel accepted.",
		}, func() float64 { d, _, _ := nt.Stats(); return float64(d) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "omnara_notification_retries_total", Help: "Failed deliveries scheduled for another try.",
		}, func() float64 { _, r, _ := nt.Stats(); return float64(r) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "omnara_notifications_failed_total", Help: "Deliveries given up (permanent error or too many tries).",
		}, func() float64 { _, _, f := nt.Stats(); return float64(f) }),
	)
	nt.Start()
	return &domain{accounts: acc, agents: ag, notify: nt, broker: broker, stopping: stopping}, nil
}

// mount is the table of contents of the HTTP interface: every module
// registers its routes here and nowhere else.
func mount(e *echo.Echo, p *platform, d *domain) error {
	acc := d.accounts
	dash, err := dashboard.New(dashboard.Deps{
		Accounts: acc.Service(), Agents: d.agents, Notify: d.notify, Broker: d.broker, RequireSession: acc.RequireSession(), EmailReady: p.cfg.SMTPHost != "", MaxStreams: p.cfg.MaxLiveStreams,
		Static: p.static, Logger: p.logger, BaseURL: p.cfg.BaseURL, Secure: p.cfg.Secure(), Stopping: d.stopping,
	})
	if err != nil {
		return err
	}
	api := agentapi.New(agentapi.Deps{Accounts: acc.Service(), Agents: d.agents, RequireAPIKey: acc.RequireAPIKey()})

	tools := mcp.New(mcp.Deps{Accounts: acc.Service(), Agents: d.agents, RequireAPIKey: acc.RequireAPIKey(), Logger: p.logger, Version: version, ProgressEvery: p.cfg.MCPProgress})

	web.RegisterOps(e, p.ready, p.metrics)
	acc.Routes(e.Group(""))
	api.Routes(e.Group("/api/v1"))
	tools.Routes(e)
	dash.Routes(e)
	return nil
}
