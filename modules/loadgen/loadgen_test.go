package loadgen

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSummarizeOrdersPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := Summarize(ds)
	want := Latency{Count: 100, P50: 50, P90: 90, P99: 99, Max: 100, Mean: 50.5}
	if got != want {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}
	if ds[0] != 100*time.Millisecond {
		t.Error("Summarize sorted its caller's slice")
	}
	if one := Summarize([]time.Duration{1500 * time.Microsecond}); one.P50 != 1.5 || one.P99 != 1.5 || one.Max != 1.5 {
		t.Errorf("one sample: %+v", one)
	}
	if (Summarize(nil) != Latency{}) {
		t.Error("no samples should give zeros")
	}
}

func TestParseMetricsKeepsUnlabelledSamples(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines.
# TYPE go_goroutines gauge
go_goroutines 42
omnara_http_requests_total{method="GET",route="/x",status="200"} 7
process_resident_memory_bytes 2.5e+07
omnara_waits_in_progress 2000
`
	m, err := parseMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if m[metricGoroutines] != 42 || m[metricRSS] != 2.5e7 || m[metricWaits] != 2000 || len(m) != 3 {
		t.Errorf("parsed %v", m)
	}
	if _, err := need(m, metricQueries); err == nil || !strings.Contains(err.Error(), metricQueries) {
		t.Errorf("a missing metric: %v", err)
	}
}

func TestReadEventsJoinsDataAndSkipsComments(t *testing.T) {
	stream := "retry: 3000\n\n: ping\n\nid: 4\nevent: message\ndata: {\"seq\":4,\ndata: \"html\":\"x\"}\n\nevent: instance\ndata: {}\n\n"
	var got []string
	if err := readEvents(strings.NewReader(stream), func(ev, data string) { got = append(got, ev+"="+data) }); err != nil {
		t.Fatal(err)
	}
	want := []string{"message={\"seq\":4,\n\"html\":\"x\"}", "instance={}"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events %q, want %q", got, want)
	}
}

func TestMarkerFindsOnlyItsRunsMessages(t *testing.T) {
	m, other := newMarker(), newMarker()
	data, _ := json.Marshal(map[string]any{"seq": 9, "html": "<p>" + m.content(7) + "</p>"})
	if k, ok := m.find(string(data), 10); !ok || k != 7 {
		t.Errorf("find = %d, %v; want 7", k, ok)
	}
	if _, ok := other.find(string(data), 10); ok {
		t.Error("another run's marker matched")
	}
	if _, ok := m.find(string(data), 5); ok {
		t.Error("an index beyond the run's messages matched")
	}
}

func TestStepBodyIsJSON(t *testing.T) {
	var v map[string]any
	if err := json.Unmarshal(stepBody("0b5e2f9c-1111-4222-8333-944445555666", 12), &v); err != nil {
		t.Fatal(err)
	}
	if v["content"] != "bench step 12" || v["send_push"] != false {
		t.Errorf("body %v", v)
	}
}

func TestErrorLogKeepsFirstDistinctMessages(t *testing.T) {
	l := &errorLog{}
	for i := range 20 {
		l.add(fmt.Errorf("error %d", i%7))
	}
	var h Header
	l.fill(&h)
	if h.Errors != 20 || len(h.ErrorSamples) != maxErrorSamples || h.ErrorSamples[0] != "error 0" {
		t.Errorf("header %+v", h)
	}
	if err := h.Err(); err == nil || !strings.HasPrefix(err.Error(), "20 requests failed; the first: error 0") {
		t.Errorf("Err = %v", err)
	}
}

func TestOSLimitErrorsSayWhatToDo(t *testing.T) {
	err := fmt.Errorf("GET /api/v1/messages/pending: dial tcp: %w", syscall.EMFILE)
	if d := describe(err); !strings.Contains(d, "ulimit -n") {
		t.Errorf("describe(EMFILE) = %q", d)
	}
	if d := describe(errors.New("boom")); d != "boom" {
		t.Errorf("describe(other) = %q", d)
	}
}

func TestNumbersPrintReadably(t *testing.T) {
	for x, want := range map[float64]string{0.0312: "0.031", 2.5: "2.50", 512.34: "512.3", 12345.6: "12,346", 1234567: "1,234,567"} {
		if got := num(x); got != want {
			t.Errorf("num(%v) = %q, want %q", x, got, want)
		}
	}
}
