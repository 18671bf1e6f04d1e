package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// Static serves embedded files at content-hashed URLs
// (/static/app.3f2a9c0b1d.css) so browsers may cache them for a year: a
// changed file gets a new URL. Files are gzipped once at start.
type Static struct {
	byURL  map[string]*staticFile // "app.3f2a9c0b1d.css" → file
	byName map[string]string      // "app.css" → "/static/app.3f2a9c0b1d.css"
}

type staticFile struct {
	name       string
	typ        string
	plain, gz  []byte
	compressed bool
}

// NewStatic reads every file of fsys.
func NewStatic(fsys fs.FS) (*Static, error) {
	s := &Static{byURL: map[string]*staticFile{}, byName: map[string]string{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		f := &staticFile{name: name, typ: mime.TypeByExtension(ext), plain: data}
		if f.typ == "" {
			f.typ = http.DetectContentType(data)
		}
		if strings.HasPrefix(f.typ, "text/") || strings.Contains(f.typ, "javascript") || strings.Contains(f.typ, "svg") || strings.Contains(f.typ, "json") {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(data)
			_ = zw.Close()
			f.gz, f.compressed = buf.Bytes(), true
		}
		s.byURL[hashed] = f
		s.byName[name] = "/static/" + hashed
		return nil
	})
	return s, err
}

// URL returns the hashed URL of a file; templates call it as {{asset "app.css"}}.
func (s *Static) URL(name string) (string, error) {
	u, ok := s.byName[name]
	if !ok {
		return "", fmt.Errorf("no static file named %q", name)
	}
	return u, nil
}

// Funcs are the template functions pages need for static files.
func (s *Static) Funcs() template.FuncMap { return template.FuncMap{"asset": s.URL} }

// Size returns the bytes shipped for the named files, gzipped where the
// file is compressible.
func (s *Static) Size(names ...string) (plain, gz int) {
	for _, n := range names {
		u, ok := s.byName[n]
		if !ok {
			continue
		}
		f := s.byURL[strings.TrimPrefix(u, "/static/")]
		plain += len(f.plain)
		if f.compressed {
			gz += len(f.gz)
		} else {
			gz += len(f.plain)
		}
	}
	return plain, gz
}

// File returns a file's bytes by its plain name, for the few files that must
// keep a fixed URL (the service worker, the manifest).
func (s *Static) File(name string) ([]byte, string, bool) {
	u, ok := s.byName[name]
	if !ok {
		return nil, "", false
	}
	f := s.byURL[strings.TrimPrefix(u, "/static/")]
	return f.plain, f.typ, true
}

// Register mounts GET /static/:file.
func (s *Static) Register(e *echo.Echo) {
	e.GET("/static/:file", s.serve)
}

func (s *Static) serve(c echo.Context) error {
	f, ok := s.byURL[c.Param("file")]
	if !ok {
		return NotFound("No such file.")
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	if f.compressed && strings.Contains(c.Request().Header.Get(echo.HeaderAcceptEncoding), "gzip") {
		h.Set(echo.HeaderContentEncoding, "gzip")
		return c.Blob(http.StatusOK, f.typ, f.gz)
	}
	return c.Blob(http.StatusOK, f.typ, f.plain)
}
