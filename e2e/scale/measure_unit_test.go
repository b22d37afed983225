package scale

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The helpers of the benchmark run in every go test ./...: they need no cluster.

func TestReconcileHistogramQuantiles(t *testing.T) {
	text := `# TYPE controller_runtime_reconcile_time_seconds histogram
controller_runtime_reconcile_time_seconds_bucket{controller="dittofs",le="0.01"} 50
controller_runtime_reconcile_time_seconds_bucket{controller="dittofs",le="0.1"} 90
controller_runtime_reconcile_time_seconds_bucket{controller="dittofs",le="+Inf"} 100
controller_runtime_reconcile_time_seconds_count{controller="dittofs"} 100
controller_runtime_reconcile_time_seconds_bucket{controller="other",le="0.01"} 7
`
	h := reconcileHistogram(text)
	assert.Equal(t, float64(100), h.total)
	assert.InDelta(t, 0.01, h.quantile(0.5), 1e-9, "the 50th of 100 is the top of the first bucket")
	assert.InDelta(t, 0.055, h.quantile(0.7), 1e-9, "halfway through the second bucket")
	assert.InDelta(t, 0.1, h.quantile(0.99), 1e-9, "in +Inf: the last finite bound")
	assert.True(t, math.IsNaN(h.minus(h).quantile(0.5)), "nothing happened in between")
}

func TestAuditReaderCountsTheOperatorOnly(t *testing.T) {
	path := t.TempDir() + "/audit.log"
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lines := `{"verb":"create","userAgent":"dittofs-operator/v0.0.0","stage":"ResponseComplete","requestReceivedTimestamp":"2026-01-01T00:00:01Z"}
{"verb":"get","userAgent":"dittofs-operator/v0.0.0","stage":"ResponseComplete","requestReceivedTimestamp":"2026-01-01T00:00:02Z"}
{"verb":"update","userAgent":"kube-controller-manager/v1.37.2","stage":"ResponseComplete","requestReceivedTimestamp":"2026-01-01T00:00:03Z"}
{"verb":"patch","userAgent":"dittofs-operator/v0.0.0","stage":"ResponseComplete","requestReceivedTimestamp":"2026-01-01T00:00:04Z"}
{"verb":"get","userAgent":"dittofs-operator/v0.0.0","stage":"Respo`
	require.NoError(t, os.WriteFile(path, []byte(lines), 0o600))
	a := &auditReader{path: path}
	require.NoError(t, a.poll())
	assert.Equal(t, map[string]int{"create": 1, "get": 1, "patch": 1}, a.byVerb(at, at.Add(time.Minute)))
	assert.Equal(t, map[string]int{"get": 1}, a.byVerb(at.Add(2*time.Second), at.Add(4*time.Second)))
	assert.Equal(t, at.Add(4*time.Second), a.lastWrite())
}

func TestReadProcOfItself(t *testing.T) {
	st, err := readProc(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, st.peakRSS)
	assert.GreaterOrEqual(t, st.peakRSS, st.rss)
}

func TestPercentiles(t *testing.T) {
	d := durations{5, 1, 4, 2, 3}
	assert.Equal(t, time.Duration(3), d.pct(0.5))
	assert.Equal(t, time.Duration(5), d.pct(0.99))
	assert.Equal(t, time.Duration(5), d.pct(1))
}
