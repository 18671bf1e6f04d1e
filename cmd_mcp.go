package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/omnara-go/omnara/modules/mcp"
)

// mcpStdio runs "omnara mcp-stdio": a local stdio MCP server that forwards
// to a server's /mcp/, for clients that only speak stdio. Stdout carries
// the protocol, so nothing else may be printed there.
func (c cli) mcpStdio(args []string) error {
	fs := flag.NewFlagSet("mcp-stdio", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	url := fs.String("url", c.env("OMNARA_URL"), "the omnara server, e.g. https://omnara.example.com (env OMNARA_URL)")
	key := fs.String("api-key", c.env("OMNARA_API_KEY"), "an API key from 'omnara token create' (env OMNARA_API_KEY)")
	agentType := fs.String("agent-type", c.env("OMNARA_AGENT_TYPE"), "agent type shown on the dashboard, e.g. claude-code (env OMNARA_AGENT_TYPE)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError("%v", err)
	}
	if *url == "" || *key == "" {
		return usageError("mcp-stdio needs --url and --api-key")
	}
	in, ok := c.stdin.(io.ReadCloser)
	if !ok {
		in = io.NopCloser(c.stdin)
	}
	return mcp.RunBridge(c.ctx, mcp.BridgeOptions{URL: *url, APIKey: *key, AgentType: *agentType, Version: version}, in, nopWriteCloser{c.stdout})
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// mcpCommand runs "omnara mcp install".
func (c cli) mcpCommand(args []string) error {
	if len(args) == 0 || args[0] != "install" {
		return usageError("mcp needs a subcommand: install")
	}
	fs := flag.NewFlagSet("mcp install", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	o := mcp.InstallOptions{}
	fs.StringVar(&o.Client, "client", "", "claude-code, codex, cursor, vscode or windsurf (required)")
	fs.StringVar(&o.URL, "url", c.env("OMNARA_URL"), "the omnara server (env OMNARA_URL)")
	fs.StringVar(&o.APIKey, "api-key", c.env("OMNARA_API_KEY"), "an API key from 'omnara token create' (env OMNARA_API_KEY)")
	fs.StringVar(&o.Name, "name", "omnara", "the server's name in the client's configuration")
	fs.StringVar(&o.Config, "config", "", "the configuration file to change (default: the client's usual place)")
	fs.BoolVar(&o.DryRun, "dry-run", false, "print the new configuration without writing it")
	if err := fs.Parse(args[1:]); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError("%v", err)
	}
	if o.Client == "" || o.URL == "" || o.APIKey == "" {
		return usageError("mcp install needs --client, --url and --api-key")
	}
	o.Home = c.env("HOME")
	if exe, err := os.Executable(); err == nil {
		o.Binary = exe
	}
	res, err := mcp.Install(o)
	if err != nil {
		return err
	}
	if o.DryRun {
		fmt.Fprintf(c.stdout, "Would write %s:\n%s", res.Path, res.Masked(o.APIKey))
		return nil
	}
	switch {
	case res.Created:
		fmt.Fprintf(c.stdout, "Created %s with the %q MCP server (%s).\n", res.Path, o.Name, strings.TrimRight(o.URL, "/")+"/mcp/")
	default:
		fmt.Fprintf(c.stdout, "Added the %q MCP server (%s) to %s; the previous file is at %s.\n", o.Name, strings.TrimRight(o.URL, "/")+"/mcp/", res.Path, res.Backup)
	}
	fmt.Fprintf(c.stdout, "Restart %s to load it.\n", o.Client)
	return nil
}
