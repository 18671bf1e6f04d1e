package loadgen

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Header is what every result starts with.
type Header struct {
	Scenario string  `json:"scenario"`
	URL      string  `json:"url"`
	ElapsedS float64 `json:"elapsed_s"`
	// LimitS is the run's time bound; CutShort says the run reached it
	// before doing everything it was asked.
	LimitS   float64 `json:"limit_s"`
	CutShort bool    `json:"cut_short"`
	// Errors counts failed requests; ErrorSamples holds the first few
	// distinct messages.
	Errors       int64    `json:"errors"`
	ErrorSamples []string `json:"error_samples,omitempty"`
}

func (h *Header) head() *Header { return h }

// Err is nil when every request succeeded.
func (h *Header) Err() error {
	if h.Errors == 0 {
		return nil
	}
	msg := fmt.Sprintf("%d %s failed", h.Errors, plural(h.Errors, "request", "requests"))
	if len(h.ErrorSamples) > 0 {
		msg += "; the first: " + h.ErrorSamples[0]
	}
	return errors.New(msg)
}

func (h *Header) start(scenario, url string, limit time.Duration) {
	h.Scenario, h.URL, h.LimitS = scenario, url, limit.Seconds()
}

func (h *Header) finish(started time.Time, errs *errorLog) {
	h.ElapsedS = round3(time.Since(started).Seconds())
	errs.fill(h)
}

// Result is a scenario's outcome.
type Result interface {
	head() *Header
	rows(t *table)
	// Err reports what went wrong in the run (failed requests, events
	// that never arrived), or nil.
	Err() error
}

// WriteJSON prints the result as one JSON object.
func WriteJSON(w io.Writer, r Result) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// WriteTable prints the result as an aligned table.
func WriteTable(w io.Writer, r Result) error {
	h := r.head()
	t := &table{w: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	t.kv("scenario", "%s", h.Scenario)
	t.kv("server", "%s", h.URL)
	elapsed := seconds(h.ElapsedS)
	if h.CutShort {
		elapsed += fmt.Sprintf(" (cut short: stopped at the %s bound of --duration before finishing)", seconds(h.LimitS))
	}
	t.kv("elapsed", "%s", elapsed)
	r.rows(t)
	t.kv("errors", "%d", h.Errors)
	for _, s := range h.ErrorSamples {
		t.kv("", "%s", s)
	}
	return t.w.Flush()
}

// table writes aligned rows: label and value pairs, and latency lines.
type table struct{ w *tabwriter.Writer }

func (t *table) kv(label, format string, args ...any) {
	fmt.Fprintf(t.w, "%s\t%s\n", label, fmt.Sprintf(format, args...))
}

// line writes a line outside the columns (it ends the current block).
func (t *table) line(format string, args ...any) {
	fmt.Fprintf(t.w, format+"\n", args...)
}

func (t *table) latencyHead(what string) {
	t.line("")
	fmt.Fprintf(t.w, "%s\tcount\tp50 ms\tp90 ms\tp99 ms\tmax ms\tmean ms\n", what)
}

func (t *table) latency(label string, l Latency) {
	fmt.Fprintf(t.w, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", label, l.Count, num(l.P50), num(l.P90), num(l.P99), num(l.Max), num(l.Mean))
}

// num prints a number with at most three decimals and thousands kept
// readable ("12,345.6").
func num(x float64) string {
	var s string
	switch {
	case x >= 1000:
		s = strconv.FormatFloat(x, 'f', 0, 64)
	case x >= 100:
		s = strconv.FormatFloat(x, 'f', 1, 64)
	case x >= 1:
		s = strconv.FormatFloat(x, 'f', 2, 64)
	default:
		s = strconv.FormatFloat(x, 'f', 3, 64)
	}
	whole, frac, _ := strings.Cut(s, ".")
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	if frac != "" {
		return whole + "." + frac
	}
	return whole
}

func seconds(s float64) string { return strconv.FormatFloat(s, 'f', 1, 64) + "s" }

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
