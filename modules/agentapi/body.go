package agentapi

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/omnara-go/omnara/platform/web"
)

// body reads a JSON object field by field and collects every problem in
// the 422 shape Omnara's (FastAPI) clients know: {"loc", "msg", "type"}.
type body struct {
	fields map[string]json.RawMessage
	errs   []web.FieldError
}

// readBody decodes the request body; a body that is not a JSON object is
// itself the error.
func readBody(c echo.Context) (*body, error) {
	data, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, err
	}
	b := &body{}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, web.Unprocessable(web.FieldError{Loc: []any{"body"}, Msg: "Field required", Type: "missing"})
	}
	if !json.Valid(data) {
		return nil, web.Unprocessable(web.FieldError{Loc: []any{"body", 0}, Msg: "JSON decode error", Type: "json_invalid"})
	}
	if err := json.Unmarshal(data, &b.fields); err != nil || b.fields == nil {
		return nil, web.Unprocessable(web.FieldError{Loc: []any{"body"}, Msg: "Input should be a valid dictionary or object to extract fields from", Type: "model_attributes_type"})
	}
	return b, nil
}

func (b *body) fail(name, msg, typ string) {
	b.errs = append(b.errs, web.FieldError{Loc: []any{"body", name}, Msg: msg, Type: typ})
}

// present reports whether name was sent with a value other than null.
func (b *body) present(name string) bool {
	raw, ok := b.fields[name]
	return ok && string(raw) != "null"
}

// str reads a required string.
func (b *body) str(name string) string {
	if _, ok := b.fields[name]; !ok {
		b.fail(name, "Field required", "missing")
		return ""
	}
	s, ok := b.optStr(name)
	if !ok {
		return ""
	}
	if s == nil {
		b.fail(name, "Input should be a valid string", "string_type")
		return ""
	}
	return *s
}

// optStr reads an optional string; nil when absent or null. ok is false
// when the value was of another type (already recorded).
func (b *body) optStr(name string) (*string, bool) {
	if !b.present(name) {
		return nil, true
	}
	var s string
	if err := json.Unmarshal(b.fields[name], &s); err != nil {
		b.fail(name, "Input should be a valid string", "string_type")
		return nil, false
	}
	return &s, true
}

// boolean reads an optional boolean with a default, accepting the lax
// spellings Python clients may send ("true", 1, "yes").
func (b *body) boolean(name string, def bool) bool {
	v := b.optBool(name)
	if v == nil {
		return def
	}
	return *v
}

// optBool reads an optional boolean; nil when absent or null.
func (b *body) optBool(name string) *bool {
	if !b.present(name) {
		return nil
	}
	raw := strings.ToLower(strings.Trim(string(b.fields[name]), `"`))
	switch raw {
	case "true", "1", "yes", "on", "t", "y":
		return new(true)
	case "false", "0", "no", "off", "f", "n":
		return new(false)
	}
	b.fail(name, "Input should be a valid boolean", "bool_type")
	return nil
}

// object reads an optional JSON object (or null).
func (b *body) object(name string) json.RawMessage {
	if !b.present(name) {
		return nil
	}
	raw := b.fields[name]
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		b.fail(name, "Input should be a valid dictionary", "dict_type")
		return nil
	}
	return raw
}

// err returns the 422 for everything that was wrong, or nil.
func (b *body) err() error {
	if len(b.errs) == 0 {
		return nil
	}
	return web.Unprocessable(b.errs...)
}

// queryNumber reads an optional number query parameter within [lo, hi].
func queryNumber(c echo.Context, name string, lo, hi float64) (float64, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(raw, 64)
	loc := []any{"query", name}
	switch {
	case err != nil:
		return 0, web.Unprocessable(web.FieldError{Loc: loc, Msg: "Input should be a valid number, unable to parse string as a number", Type: "float_parsing"})
	case v < lo:
		return 0, web.Unprocessable(web.FieldError{Loc: loc, Msg: "Input should be greater than or equal to " + strconv.FormatFloat(lo, 'f', -1, 64), Type: "greater_than_equal"})
	case v > hi:
		return 0, web.Unprocessable(web.FieldError{Loc: loc, Msg: "Input should be less than or equal to " + strconv.FormatFloat(hi, 'f', -1, 64), Type: "less_than_equal"})
	}
	return v, nil
}

// requiredQuery reads a query parameter that must be present.
func requiredQuery(c echo.Context, name string) (string, error) {
	if !c.QueryParams().Has(name) {
		return "", web.Unprocessable(web.FieldError{Loc: []any{"query", name}, Msg: "Field required", Type: "missing"})
	}
	return c.QueryParam(name), nil
}
