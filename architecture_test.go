package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/omnara-go/omnara"

var (
	domainModules    = map[string]bool{"accounts": true, "agents": true, "notify": true}
	transportModules = map[string]bool{"agentapi": true, "mcp": true, "dashboard": true}
)

// TestImportBoundaries keeps dependencies flowing one way:
// main → transports → domain modules → platform.
func TestImportBoundaries(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		from := filepath.ToSlash(filepath.Dir(path))
		for _, imp := range f.Imports {
			to, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(to, modulePath+"/") {
				continue
			}
			if why := forbidden(from, strings.TrimPrefix(to, modulePath+"/")); why != "" {
				t.Errorf("%s imports %s: %s", path, to, why)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func forbidden(from, to string) string {
	fromModule, fromIsModule := moduleOf(from)
	toModule, toIsModule := moduleOf(to)
	switch {
	case strings.HasPrefix(from, "platform") && toIsModule:
		return "platform must not import modules"
	case !fromIsModule || !toIsModule || fromModule == toModule:
		return ""
	case fromModule == "loadgen":
		return "the load generator drives servers over HTTP only; it must not import the server's modules"
	case domainModules[fromModule]:
		return "a domain module must not import another module; declare an interface and let main wire it"
	case transportModules[fromModule] && transportModules[toModule]:
		return "transport modules must not import each other"
	}
	return ""
}

func moduleOf(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "modules/")
	if !ok {
		return "", false
	}
	name, _, _ := strings.Cut(rest, "/")
	return name, true
}
