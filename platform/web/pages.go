package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"

	"github.com/labstack/echo/v4"
)

// Pages are a module's templates, each parsed together with the shared
// layout and partials once at start.
type Pages struct {
	byName map[string]*template.Template
}

// ParsePages reads every file matching pattern from fsys, each together
// with the shared files (the layout, partials) and funcs; a page is named
// by its file name without extension ("login" for login.html).
func ParsePages(fsys fs.FS, funcs template.FuncMap, shared []string, pattern string) (*Pages, error) {
	files, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no templates match %s", pattern)
	}
	p := &Pages{byName: map[string]*template.Template{}}
	for _, f := range files {
		t, err := template.New(path.Base(f)).Funcs(funcs).ParseFS(fsys, append(slices.Clone(shared), f)...)
		if err != nil {
			return nil, err
		}
		name := path.Base(f)
		p.byName[name[:len(name)-len(path.Ext(name))]] = t
	}
	return p, nil
}

// Render writes page name with data and status. The page is rendered to a
// buffer first so a template error becomes a clean 500, not half a page.
func (p *Pages) Render(c echo.Context, status int, name string, data any) error {
	t, ok := p.byName[name]
	if !ok {
		return Internal(fmt.Errorf("no page named %q", name))
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return Internal(fmt.Errorf("render %s: %w", name, err))
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// Fragment renders one named template of page's set (a partial) without
// the layout, for live updates and in-page loading.
func (p *Pages) Fragment(page, name string, data any) ([]byte, error) {
	t, ok := p.byName[page]
	if !ok {
		return nil, fmt.Errorf("no page named %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("render %s/%s: %w", page, name, err)
	}
	return buf.Bytes(), nil
}

// SafeRedirectTarget keeps only same-site paths, so a ?next= parameter can
// never send a person to another site after signing in.
func SafeRedirectTarget(next string) string {
	if len(next) < 1 || next[0] != '/' || (len(next) > 1 && (next[1] == '/' || next[1] == '\\')) {
		return "/"
	}
	return next
}

// SeeOther redirects after a form POST.
func SeeOther(c echo.Context, to string) error { return c.Redirect(http.StatusSeeOther, to) }
