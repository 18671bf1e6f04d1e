package main

import (
	"flag"
	"io"

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
