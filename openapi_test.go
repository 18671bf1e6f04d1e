package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/omnara-go/omnara/modules/agentapi"
)

// The OpenAPI description lists exactly the routes the server registers
// under /api/v1, and is what /api/v1/openapi.json serves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	env := map[string]string{"OMNARA_DATA_DIR": t.TempDir(), "OMNARA_LISTEN": "127.0.0.1:0"}
	srv := startServer(t, env)

	var spec struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(agentapi.OpenAPISpec(), &spec); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	var documented []string
	for path, ops := range spec.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	var registered []string
	for _, r := range srv.srv.routes {
		path, ok := strings.CutPrefix(r.Path, "/api/v1")
		if !ok || r.Method == "echo_route_not_found" {
			continue
		}
		parts := strings.Split(path, "/")
		for i, p := range parts {
			if name, ok := strings.CutPrefix(p, ":"); ok {
				parts[i] = "{" + name + "}"
			}
		}
		registered = append(registered, r.Method+" "+strings.Join(parts, "/"))
	}
	slices.Sort(documented)
	slices.Sort(registered)
	if !slices.Equal(documented, registered) {
		t.Errorf("OpenAPI and routes differ\ndocumented: %v\nregistered: %v", documented, registered)
	}

	res := newBrowser(t, srv.URL).get("/api/v1/openapi.json")
	if res.status != 200 || res.body != string(agentapi.OpenAPISpec()) || !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", res.status, res.header.Get("Content-Type"))
	}
	if spec.OpenAPI != "3.1.0" {
		t.Errorf("openapi version %q", spec.OpenAPI)
	}
}
