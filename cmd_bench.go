package main

import (
	"bufio"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/omnara-go/omnara/modules/loadgen"
	"github.com/omnara-go/omnara/platform/config"
	"github.com/omnara-go/omnara/platform/db"
)

const benchUsage = "usage: omnara bench wake|waiters|ingest|sse --url U --api-key K [flags]; run \"omnara bench SCENARIO -h\" for a scenario's flags"

// benchCommand runs "omnara bench SCENARIO": a load generator that drives
// a running server over HTTP and prints what it measured.
func (c cli) benchCommand(args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprintln(c.stdout, benchUsage)
		return nil
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usageError("bench needs a scenario: wake, waiters, ingest or sse\n%s", benchUsage)
	}
	scenario := args[0]
	fs := newFlagSet("bench " + scenario)
	var t loadgen.Target
	fs.StringVar(&t.URL, "url", c.env("OMNARA_URL"), "the server's base URL, e.g. http://127.0.0.1:8080 (required; env OMNARA_URL)")
	fs.StringVar(&t.APIKey, "api-key", c.env("OMNARA_API_KEY"), "an agent API key from 'omnara token create' (required; env OMNARA_API_KEY)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object instead of a table")
	defaultDuration := time.Minute
	if scenario == "ingest" {
		defaultDuration = 10 * time.Second
	}
	fs.DurationVar(&t.Duration, "duration", defaultDuration, "time bound: the run stops there and reports what it measured (ingest: how long agents post)")

	var conf config.Config // the database flags, for ingest --raw
	var run func() (loadgen.Result, error)
	var check func() error
	switch scenario {
	case "wake":
		cfg := loadgen.WakeConfig{}
		fs.IntVar(&cfg.Agents, "agents", 50, "agents asking questions at once")
		fs.IntVar(&cfg.Questions, "questions", 1000, "questions in all")
		fs.DurationVar(&cfg.BaselinePoll, "baseline-poll", 0, "also run the questions through agents polling GET pending at this interval, e.g. 1s, as Omnara's server does (0: off)")
		fs.StringVar(&cfg.AnswerURL, "answer-url", "", "post the answers to this server instead (another instance on the same database)")
		check = func() error {
			switch {
			case cfg.Agents < 1 || cfg.Questions < 1:
				return usageError("--agents and --questions must be at least 1")
			case cfg.BaselinePoll < 0:
				return usageError("--baseline-poll must not be negative")
			case cfg.AnswerURL != "":
				u, err := checkURL("--answer-url", cfg.AnswerURL)
				cfg.AnswerURL = u
				return err
			}
			return nil
		}
		run = func() (loadgen.Result, error) {
			cfg.Target = t
			return nilIfErr(loadgen.RunWake(c.ctx, cfg))
		}
	case "waiters":
		cfg := loadgen.WaitersConfig{}
		fs.IntVar(&cfg.Waiters, "waiters", 2000, "blocked calls to hold open at once")
		fs.StringVar(&cfg.Via, "via", loadgen.ViaREST, "rest (GET pending?wait=300) or mcp (the ask_question tool)")
		fs.DurationVar(&cfg.Hold, "hold", 10*time.Second, "how long to measure once all are waiting")
		check = func() error {
			switch {
			case cfg.Waiters < 1:
				return usageError("--waiters must be at least 1")
			case cfg.Via != loadgen.ViaREST && cfg.Via != loadgen.ViaMCP:
				return usageError("--via must be rest or mcp, not %q", cfg.Via)
			case cfg.Hold <= 0 || cfg.Hold > 4*time.Minute:
				return usageError("--hold must be between 0s and 4m (a REST wait lasts at most 5m)")
			}
			return nil
		}
		run = func() (loadgen.Result, error) {
			cfg.Target = t
			return nilIfErr(loadgen.RunWaiters(c.ctx, cfg))
		}
	case "ingest":
		cfg := loadgen.IngestConfig{}
		fs.IntVar(&cfg.Agents, "agents", 32, "agents posting steps at once, each to its own session")
		raw := fs.Bool("raw", false, "also measure the database's raw single-row insert rate (opens the database given by --data-dir or --database-url)")
		fs.DurationVar(&cfg.RawDuration, "raw-duration", 0, "with --raw: how long to insert raw rows, half before and half after the API run (default the smaller of 5s and --duration)")
		check = func() error {
			switch {
			case cfg.Agents < 1:
				return usageError("--agents must be at least 1")
			case cfg.RawDuration < 0:
				return usageError("--raw-duration must not be negative")
			}
			return nil
		}
		run = func() (loadgen.Result, error) {
			cfg.Target = t
			if *raw {
				closeDB, err := c.rawStore(conf, &cfg)
				if err != nil {
					return nil, err
				}
				defer closeDB()
			}
			return nilIfErr(loadgen.RunIngest(c.ctx, cfg))
		}
	case "sse":
		cfg := loadgen.SSEConfig{}
		fs.IntVar(&cfg.Streams, "streams", 100, "live pages (SSE streams) to keep open on one session")
		fs.IntVar(&cfg.Messages, "messages", 200, "steps to post, one at a time")
		fs.DurationVar(&cfg.Interval, "interval", 20*time.Millisecond, "time between the starts of two posts")
		fs.StringVar(&cfg.Email, "email", "", "the email of the API key's owner, to sign in to the dashboard (required)")
		fs.StringVar(&cfg.Password, "password", "", "their password (visible to other local users: prefer --password-stdin)")
		fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
		check = func() error {
			switch {
			case cfg.Streams < 1 || cfg.Messages < 1:
				return usageError("--streams and --messages must be at least 1")
			case cfg.Interval <= 0:
				return usageError("--interval must be positive")
			case cfg.Email == "":
				return usageError("bench sse needs --email and the password of the API key's owner")
			case *fromStdin && cfg.Password != "":
				return usageError("give the password with --password or --password-stdin, not both")
			case *fromStdin:
				line, err := bufio.NewReader(c.stdin).ReadString('\n')
				if err != nil && line == "" {
					return errors.New("no password on standard input")
				}
				cfg.Password = strings.TrimRight(line, "\r\n")
			case cfg.Password == "":
				return usageError("bench sse needs --password or --password-stdin")
			}
			return nil
		}
		run = func() (loadgen.Result, error) {
			cfg.Target = t
			return nilIfErr(loadgen.RunSSE(c.ctx, cfg))
		}
	default:
		return usageError("unknown bench scenario %q; use wake, waiters, ingest or sse", scenario)
	}
	var err error
	if conf, err = c.parseWith(config.BindStorage, fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("bench %s takes no arguments after its flags, got %q", scenario, fs.Args())
	}
	switch {
	case t.URL == "" && t.APIKey == "":
		return usageError("bench %s needs --url (the server) and --api-key (an agent API key)", scenario)
	case t.URL == "":
		return usageError("bench %s needs --url, the server's base URL, e.g. http://127.0.0.1:8080", scenario)
	case t.APIKey == "":
		return usageError("bench %s needs --api-key, an agent API key from 'omnara token create'", scenario)
	case t.Duration <= 0:
		return usageError("--duration must be positive")
	}
	if t.URL, err = checkURL("--url", t.URL); err != nil {
		return err
	}
	if err := check(); err != nil {
		return err
	}
	t.Progress = c.stderr

	res, err := run()
	if err != nil {
		return err
	}
	if *asJSON {
		err = loadgen.WriteJSON(c.stdout, res)
	} else {
		err = loadgen.WriteTable(c.stdout, res)
	}
	if err != nil {
		return err
	}
	return res.Err()
}

// rawStore opens the server's database, named by the shared flags
// (--data-dir, --database-url) as every command does, for bench ingest
// --raw.
func (c cli) rawStore(conf config.Config, cfg *loadgen.IngestConfig) (func(), error) {
	if !conf.Postgres() {
		// Opening would create an empty database: the raw rate would be
		// another database's, and the scratch table would land elsewhere.
		if _, err := os.Stat(conf.SQLitePath()); err != nil {
			return nil, fmt.Errorf("--raw: no SQLite database at %s; give the server's --data-dir (or --database-url)", conf.SQLitePath())
		}
	}
	p, err := c.openPlatform(conf, false, true)
	if err != nil {
		return nil, err
	}
	sqlDB, err := p.db.Gorm.DB()
	if err != nil {
		p.close()
		return nil, err
	}
	cfg.Raw = &loadgen.RawStore{DB: sqlDB, Postgres: p.db.Dialect == db.Postgres}
	return p.close, nil
}

// checkURL accepts an http(s) URL with a host and drops a trailing slash.
func checkURL(flagName, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usageError("%s %q is not an http(s) URL such as http://127.0.0.1:8080", flagName, raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// nilIfErr turns a scenario's typed result into a Result, keeping a nil
// one nil (a nil *T in an interface is not nil).
func nilIfErr[T loadgen.Result](res T, err error) (loadgen.Result, error) {
	if err != nil {
		return nil, err
	}
	return res, nil
}
