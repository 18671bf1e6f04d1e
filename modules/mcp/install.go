package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// Clients whose MCP configuration "omnara mcp install" can write.
var Clients = []string{"claude-code", "codex", "cursor", "vscode", "windsurf"}

// InstallOptions describe one "omnara mcp install".
type InstallOptions struct {
	Client string
	URL    string // the server, e.g. https://omnara.example.com
	APIKey string
	Name   string // the server's name in the client's configuration
	Home   string // the user's home folder
	Config string // the configuration file; "" = the client's usual place
	Binary string // this executable, for clients configured with a command (codex)
	DryRun bool
}

// InstallResult says what Install did (or would do).
type InstallResult struct {
	Path    string
	Backup  string // "" when there was nothing to back up, or on a dry run
	Created bool   // the file did not exist
	Content []byte // the new file
}

// ConfigPath is where a client keeps its MCP servers, under home.
func ConfigPath(client, home string) (string, error) {
	switch client {
	case "claude-code":
		return filepath.Join(home, ".claude.json"), nil
	case "cursor":
		return filepath.Join(home, ".cursor", "mcp.json"), nil
	case "windsurf":
		return filepath.Join(home, ".codeium", "windsurf", "mcp_config.json"), nil
	case "vscode":
		return filepath.Join(home, ".config", "Code", "User", "mcp.json"), nil
	case "codex":
		return filepath.Join(home, ".codex", "config.toml"), nil
	}
	return "", fmt.Errorf("unknown client %q; use one of %s", client, strings.Join(Clients, ", "))
}

// Install adds (or replaces) the omnara server in a client's MCP
// configuration, keeping everything else in the file, and backs the old
// file up first.
func Install(o InstallOptions) (*InstallResult, error) {
	if o.Name == "" {
		o.Name = "omnara"
	}
	path := o.Config
	if path == "" {
		var err error
		if path, err = ConfigPath(o.Client, o.Home); err != nil {
			return nil, err
		}
	} else if _, err := ConfigPath(o.Client, ""); err != nil {
		return nil, err
	}
	old, err := os.ReadFile(path)
	created := errors.Is(err, os.ErrNotExist)
	if err != nil && !created {
		return nil, err
	}
	var content []byte
	if o.Client == "codex" {
		content, err = mergeCodex(old, o)
	} else {
		content, err = mergeJSON(old, o)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	res := &InstallResult{Path: path, Created: created, Content: content}
	if o.DryRun {
		return res, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if !created {
		res.Backup = path + ".bak-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.WriteFile(res.Backup, old, 0o600); err != nil {
			return nil, fmt.Errorf("back up %s: %w", path, err)
		}
	}
	// Write beside, then rename: a crash never leaves half a file.
	tmp := path + ".omnara-tmp"
	if err := os.WriteFile(tmp, content, 0o600); err != nil {
		return nil, err
	}
	return res, os.Rename(tmp, path)
}

func mcpURL(base string) string { return strings.TrimRight(base, "/") + "/mcp/" }

// mergeJSON sets the server entry in a JSON configuration; each client
// names the list and the URL field its own way.
func mergeJSON(old []byte, o InstallOptions) ([]byte, error) {
	doc := map[string]any{}
	if len(bytes.TrimSpace(old)) > 0 {
		if err := json.Unmarshal(old, &doc); err != nil {
			return nil, fmt.Errorf("is not valid JSON (fix or move it first): %w", err)
		}
	}
	list, entry := "mcpServers", map[string]any{
		"url":     mcpURL(o.URL),
		"headers": map[string]any{"Authorization": "Bearer " + o.APIKey},
	}
	switch o.Client {
	case "claude-code":
		entry["type"] = "http"
	case "windsurf":
		entry["serverUrl"] = entry["url"]
		delete(entry, "url")
	case "vscode":
		list = "servers"
		entry["type"] = "http"
	}
	servers, _ := doc[list].(map[string]any)
	if servers == nil {
		if _, exists := doc[list]; exists {
			return nil, fmt.Errorf("%q is not an object", list)
		}
		servers = map[string]any{}
	}
	servers[o.Name] = entry
	doc[list] = servers
	out, err := json.MarshalIndent(doc, "", "  ")
	return append(out, '\n'), err
}

// mergeCodex sets [mcp_servers.<name>] in Codex's TOML configuration, as a
// command running this binary's stdio bridge.
func mergeCodex(old []byte, o InstallOptions) ([]byte, error) {
	doc := map[string]any{}
	if len(bytes.TrimSpace(old)) > 0 {
		if err := toml.Unmarshal(old, &doc); err != nil {
			return nil, fmt.Errorf("is not valid TOML (fix or move it first): %w", err)
		}
	}
	servers, _ := doc["mcp_servers"].(map[string]any)
	if servers == nil {
		servers = map[string]any{}
	}
	servers[o.Name] = map[string]any{
		"command": o.Binary,
		"args":    []string{"mcp-stdio", "--url", strings.TrimRight(o.URL, "/"), "--agent-type", "codex"},
		"env":     map[string]any{"OMNARA_API_KEY": o.APIKey},
	}
	doc["mcp_servers"] = servers
	return toml.Marshal(doc)
}

// Masked returns content with the API key hidden, for printing.
func (r *InstallResult) Masked(apiKey string) string {
	if apiKey == "" {
		return string(r.Content)
	}
	return strings.ReplaceAll(string(r.Content), apiKey, "<api key>")
}
