package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/omnara-go/omnara/modules/accounts"
	"github.com/omnara-go/omnara/modules/notify"
	"github.com/omnara-go/omnara/modules/notify/channel"
)

// notifyCommand runs "omnara notify add|list|test|remove".
func (c cli) notifyCommand(args []string) error {
	if len(args) == 0 {
		return usageError("usage: omnara notify add|list|test|remove")
	}
	fs := newFlagSet("notify " + args[0])
	email := fs.String("email", "", "the account's email")
	kind := fs.String("kind", "", "webpush, ntfy, email, webhook, slack or discord")
	target := fs.String("url", "", "ntfy topic URL, email address or webhook URL")
	token := fs.String("token", "", "ntfy access token or webhook signing secret")
	eventList := fs.String("events", "questions,ends", "what to notify: questions, steps, ends")
	cfg, err := c.parseConfig(fs, args[1:])
	if err != nil {
		return err
	}
	p, err := c.openPlatform(cfg, false, true)
	if err != nil {
		return err
	}
	defer p.close()
	nt, err := notify.New(c.ctx, notify.Deps{
		DB: p.db.Gorm, Logger: p.logger, Labels: noLabels{}, BaseURL: cfg.BaseURL,
		SMTP: channel.SMTP{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS},
	})
	if err != nil {
		return err
	}
	userOf := func() (*accounts.User, error) {
		if *email == "" {
			return nil, usageError("--email is required")
		}
		acc, err := accounts.NewService(c.ctx, p.db.Gorm, p.logger, nil)
		if err != nil {
			return nil, err
		}
		return acc.UserByEmail(c.ctx, *email)
	}
	switch args[0] {
	case "add":
		u, err := userOf()
		if err != nil {
			return err
		}
		events, err := notify.ParseEvents(*eventList)
		if err != nil {
			return usageError("--events: %v", err)
		}
		ch, err := nt.AddChannel(c.ctx, u.ID, notify.NewChannel{Kind: *kind, URL: *target, Token: *token, Events: events})
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "added %s channel %s for %s (%s)\n", ch.Kind, ch.ID, u.Email, ch.Events)
	case "list":
		u, err := userOf()
		if err != nil {
			return err
		}
		cs, err := nt.Channels(c.ctx, u.ID)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tKIND\tURL\tEVENTS\tENABLED")
		for _, ch := range cs {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%v\n", ch.ID, ch.Kind, ch.URL, ch.Events, ch.Enabled)
		}
		return w.Flush()
	case "test":
		u, err := userOf()
		if err != nil {
			return err
		}
		res, err := nt.SendTest(c.ctx, u.ID, "")
		if err != nil {
			return err
		}
		if len(res) == 0 {
			return errors.New(u.Email + " has no notification channel; add one with omnara notify add")
		}
		failed := 0
		for _, r := range res {
			status := "sent"
			if r.Err != nil {
				status, failed = "failed: "+r.Err.Error(), failed+1
			}
			fmt.Fprintf(c.stdout, "%s %s %s\n", r.Channel.Kind, r.Channel.ID, status)
		}
		if failed > 0 {
			return fmt.Errorf("%d of %d channels failed", failed, len(res))
		}
	case "remove":
		if fs.NArg() != 1 {
			return usageError("usage: omnara notify remove ID")
		}
		if err := nt.RemoveChannel(c.ctx, "", fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "removed channel %s\n", fs.Arg(0))
	default:
		return usageError("unknown notify command %q; use add, list, test or remove", args[0])
	}
	return nil
}

// noLabels: the command line sends only test messages, which name no session.
type noLabels struct{}

func (noLabels) Label(context.Context, string, string) (string, error) { return "", nil }
