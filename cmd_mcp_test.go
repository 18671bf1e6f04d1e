package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

func TestMCPInstallWritesAndMergesClientConfigs(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"HOME": home}
	const key = "eyJ.secret.key"
	install := func(client string, extra ...string) cliResult {
		args := append([]string{"mcp", "install", "--client", client, "--url", "https://omnara.example.com/", "--api-key", key}, extra...)
		return omnara(t, env, "", args...)
	}

	// A fresh file is created, with the entry each client expects.
	cases := map[string]struct {
		path, list, urlField string
	}{
		"claude-code": {".claude.json", "mcpServers", "url"},
		"cursor":      {".cursor/mcp.json", "mcpServers", "url"},
		"windsurf":    {".codeium/windsurf/mcp_config.json", "mcpServers", "serverUrl"},
		"vscode":      {".config/Code/User/mcp.json", "servers", "url"},
	}
	for client, c := range cases {
		r := install(client)
		if r.code != 0 || !strings.Contains(r.stdout, "Created "+filepath.Join(home, c.path)) || strings.Contains(r.stdout, key) {
			t.Fatalf("%s: exit %d %q %q", client, r.code, r.stdout, r.stderr)
		}
		var doc map[string]any
		data, _ := os.ReadFile(filepath.Join(home, c.path))
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", client, err)
		}
		entry := doc[c.list].(map[string]any)["omnara"].(map[string]any)
		if entry[c.urlField] != "https://omnara.example.com/mcp/" || entry["headers"].(map[string]any)["Authorization"] != "Bearer "+key {
			t.Errorf("%s entry: %v", client, entry)
		}
	}

	// Merging keeps what was there and backs the old file up.
	cursor := filepath.Join(home, ".cursor", "mcp.json")
	before := `{"mcpServers": {"github": {"command": "gh-mcp"}}, "theme": "dark"}`
	if err := os.WriteFile(cursor, []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	r := install("cursor")
	if r.code != 0 || !strings.Contains(r.stdout, "the previous file is at "+cursor+".bak-") {
		t.Fatalf("merge: %q %q", r.stdout, r.stderr)
	}
	var doc map[string]any
	data, _ := os.ReadFile(cursor)
	_ = json.Unmarshal(data, &doc)
	servers := doc["mcpServers"].(map[string]any)
	if doc["theme"] != "dark" || servers["github"] == nil || servers["omnara"] == nil {
		t.Errorf("merged config lost something: %s", data)
	}
	backups, _ := filepath.Glob(cursor + ".bak-*")
	if len(backups) != 1 {
		t.Fatalf("backups %v", backups)
	}
	if saved, _ := os.ReadFile(backups[0]); string(saved) != before {
		t.Errorf("backup holds %q", saved)
	}

	// Codex: TOML, running this binary's stdio bridge, other tables kept.
	codex := filepath.Join(home, ".codex", "config.toml")
	_ = os.MkdirAll(filepath.Dir(codex), 0o700)
	_ = os.WriteFile(codex, []byte("model = \"o3\"\n\n[mcp_servers.other]\ncommand = \"x\"\n"), 0o600)
	if r := install("codex"); r.code != 0 {
		t.Fatalf("codex: %q", r.stderr)
	}
	var cfg struct {
		Model      string `toml:"model"`
		MCPServers map[string]struct {
			Command string            `toml:"command"`
			Args    []string          `toml:"args"`
			Env     map[string]string `toml:"env"`
		} `toml:"mcp_servers"`
	}
	data, _ = os.ReadFile(codex)
	if err := toml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	o := cfg.MCPServers["omnara"]
	if cfg.Model != "o3" || cfg.MCPServers["other"].Command != "x" || o.Env["OMNARA_API_KEY"] != key ||
		strings.Join(o.Args, " ") != "mcp-stdio --url https://omnara.example.com --agent-type codex" || o.Command == "" {
		t.Errorf("codex config: %s", data)
	}

	// A dry run changes nothing and hides the key.
	vscode := filepath.Join(home, ".config", "Code", "User", "mcp.json")
	old, _ := os.ReadFile(vscode)
	r = install("vscode", "--dry-run", "--name", "work")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "Would write "+vscode) || !strings.Contains(r.stdout, `"work"`) || strings.Contains(r.stdout, key) || !strings.Contains(r.stdout, "<api key>") {
		t.Fatalf("dry run: %q", r.stdout)
	}
	if now, _ := os.ReadFile(vscode); string(now) != string(old) {
		t.Error("a dry run wrote the file")
	}

	// Refusals.
	bad := filepath.Join(home, "broken.json")
	_ = os.WriteFile(bad, []byte("{not json"), 0o600)
	if r := install("cursor", "--config", bad); r.code != 1 || !strings.Contains(r.stderr, "is not valid JSON (fix or move it first)") {
		t.Errorf("broken config: %d %q", r.code, r.stderr)
	}
	if r := install("emacs"); r.code != 1 || !strings.Contains(r.stderr, `unknown client "emacs"; use one of claude-code, codex, cursor, vscode, windsurf`) {
		t.Errorf("unknown client: %d %q", r.code, r.stderr)
	}
	if r := omnara(t, env, "", "mcp", "install", "--client", "cursor"); r.code != 2 || !strings.Contains(r.stderr, "mcp install needs --client, --url and --api-key") {
		t.Errorf("missing flags: %d %q", r.code, r.stderr)
	}
}
