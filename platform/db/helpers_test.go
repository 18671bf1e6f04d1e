package db_test

import (
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/omnara-go/omnara/platform/metrics"
)

func counterValue(t *testing.T, m *metrics.Metrics) float64 {
	t.Helper()
	var out dto.Metric
	if err := m.DBQueries.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.GetCounter().GetValue()
}
