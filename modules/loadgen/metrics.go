package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Server metrics the scenarios read from /metrics.
const (
	metricWaits      = "omnara_waits_in_progress"
	metricQueries    = "omnara_db_queries_total"
	metricRSS        = "process_resident_memory_bytes"
	metricGoroutines = "go_goroutines"
)

// scrape reads the server's /metrics and returns its unlabelled samples.
func (c *client) scrape(ctx context.Context) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", userAgent)
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET /metrics: %w", unwrapURLError(err))
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
		return nil, fmt.Errorf("GET /metrics: %d %s", res.StatusCode, clip(string(data), 200))
	}
	return parseMetrics(res.Body)
}

// parseMetrics reads Prometheus' text format, keeping samples without
// labels (the ones the scenarios need).
func parseMetrics(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || strings.ContainsRune(line, '{') {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			continue
		}
		out[f[0]] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read /metrics: %w", err)
	}
	return out, nil
}

// need returns a metric or an error naming it.
func need(m map[string]float64, name string) (float64, error) {
	v, ok := m[name]
	if !ok {
		return 0, fmt.Errorf("the server's /metrics has no %s", name)
	}
	return v, nil
}
