package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/omnara-go/omnara/modules/accounts"
)

// accountsCommand opens the platform and the account service for one
// administration command.
// check validates the command's own flags before the database is touched.
func (c cli) accountsCommand(fs *flag.FlagSet, args []string, check func() error) (*platform, *accounts.Service, error) {
	cfg, err := c.parseConfig(fs, args)
	if err != nil {
		return nil, nil, err
	}
	if err := check(); err != nil {
		return nil, nil, err
	}
	p, err := c.openPlatform(cfg, false, true)
	if err != nil {
		return nil, nil, err
	}
	svc, err := accounts.NewService(c.ctx, p.db.Gorm, p.logger, nil)
	if err != nil {
		p.close()
		return nil, nil, err
	}
	return p, svc, nil
}

// user runs "omnara user add".
func (c cli) user(args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError("user needs a subcommand: add")
	}
	fs := newFlagSet("user add")
	email := fs.String("email", "", "the new user's email (required)")
	password := fs.String("password", "", "the password (visible to other local users: prefer --password-stdin)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	name := fs.String("name", "", "display name")
	p, svc, err := c.accountsCommand(fs, args[1:], func() error {
		switch {
		case *email == "":
			return usageError("user add needs --email")
		case *fromStdin && *password != "":
			return usageError("give the password with --password or --password-stdin, not both")
		case *fromStdin:
			line, err := bufio.NewReader(c.stdin).ReadString('\n')
			if err != nil && line == "" {
				return errors.New("no password on standard input")
			}
			*password = strings.TrimRight(line, "\r\n")
		case *password == "":
			return usageError("user add needs --password or --password-stdin")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer p.close()
	u, err := svc.CreateUser(c.ctx, *email, *password, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "created user %s (%s)\n", u.Email, u.ID)
	return nil
}

// token runs "omnara token create|list|revoke".
func (c cli) token(args []string) error {
	if len(args) == 0 {
		return usageError("token needs a subcommand: create, list or revoke")
	}
	switch args[0] {
	case "create":
		return c.tokenCreate(args[1:])
	case "list":
		return c.tokenList(args[1:])
	case "revoke":
		return c.tokenRevoke(args[1:])
	}
	return usageError("token needs create, list or revoke, not %q", args[0])
}

// keyOwnerCommand is accountsCommand for commands about one user's keys:
// it requires --email and looks the user up.
func (c cli) keyOwnerCommand(fs *flag.FlagSet, args []string, email *string, check func() error) (*platform, *accounts.Service, *accounts.User, error) {
	p, svc, err := c.accountsCommand(fs, args, func() error {
		if *email == "" {
			return usageError("%s needs --email", fs.Name())
		}
		return check()
	})
	if err != nil {
		return nil, nil, nil, err
	}
	u, err := svc.UserByEmail(c.ctx, *email)
	if err != nil {
		p.close()
		return nil, nil, nil, err
	}
	return p, svc, u, nil
}

func (c cli) tokenCreate(args []string) error {
	fs := newFlagSet("token create")
	email := fs.String("email", "", "the key owner's email (required)")
	name := fs.String("name", "", "a name for the key, e.g. the machine or agent (required)")
	p, svc, u, err := c.keyOwnerCommand(fs, args, email, func() error {
		if *name == "" {
			return usageError("token create needs --name")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer p.close()
	key, _, err := svc.CreateAPIKey(c.ctx, u.ID, *name)
	if err != nil {
		return err
	}
	// Only the key on stdout, so scripts can capture it as is.
	fmt.Fprintln(c.stdout, key)
	return nil
}

func (c cli) tokenList(args []string) error {
	fs := newFlagSet("token list")
	email := fs.String("email", "", "the keys' owner (required)")
	p, svc, u, err := c.keyOwnerCommand(fs, args, email, func() error { return nil })
	if err != nil {
		return err
	}
	defer p.close()
	keys, err := svc.APIKeys(c.ctx, u.ID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCREATED\tLAST USED\tSTATUS")
	for _, k := range keys {
		status := "active"
		if k.RevokedAt != nil {
			status = "revoked " + k.RevokedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.CreatedAt.UTC().Format(time.RFC3339), timeOrNever(k.LastUsedAt), status)
	}
	return tw.Flush()
}

func (c cli) tokenRevoke(args []string) error {
	fs := newFlagSet("token revoke")
	// The id may come before the flags: "omnara token revoke ID --data-dir X".
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	p, svc, err := c.accountsCommand(fs, args, func() error {
		if id == "" && fs.NArg() == 1 {
			id = fs.Arg(0)
		}
		if id == "" || fs.NArg() > 1 {
			return usageError("token revoke needs exactly one key id")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer p.close()
	k, err := svc.RevokeAPIKey(c.ctx, "", id)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "revoked key %s (%s)\n", k.ID, k.Name)
	return nil
}

func timeOrNever(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}
