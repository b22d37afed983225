package dittofsapi

import (
	"context"
	"net/http"
	"time"
)

// Liveness is the answer of GET /health. The server answers 200 as long as its
// HTTP listener is up; Status is "degraded" when the control-plane database
// is unreachable.
type Liveness struct {
	Status    string       `json:"status"`
	Timestamp time.Time    `json:"timestamp"`
	Data      LivenessData `json:"data"`
}

// LivenessData is the detail block of Liveness.
type LivenessData struct {
	Service   string `json:"service"`
	StartedAt string `json:"started_at"`
	Uptime    string `json:"uptime"`
	UptimeSec int64  `json:"uptime_sec"`
	// ControlPlaneDB is reachable, unreachable or unknown.
	ControlPlaneDB string `json:"control_plane_db"`
}

// Readiness is the answer of GET /health/ready. It counts what the runtime
// has loaded; it does not prove that the NFS or SMB listeners are bound.
type Readiness struct {
	Status    string        `json:"status"`
	Timestamp time.Time     `json:"timestamp"`
	Data      ReadinessData `json:"data"`
}

// ReadinessData is the detail block of Readiness.
type ReadinessData struct {
	Shares         int             `json:"shares"`
	MetadataStores int             `json:"metadata_stores"`
	Adapters       ReadyAdapters   `json:"adapters"`
	GracePeriod    *NFSGracePeriod `json:"grace_period,omitempty"`
}

// ReadyAdapters lists the adapters the runtime has started.
type ReadyAdapters struct {
	Running int      `json:"running"`
	Types   []string `json:"types"`
}

// NFSGracePeriod is the NFSv4 grace window after a restart, during which
// clients reclaim their locks and new ones wait.
type NFSGracePeriod struct {
	Active           bool    `json:"active"`
	RemainingSeconds float64 `json:"remaining_seconds"`
	ExpectedClients  int     `json:"expected_clients"`
	ReclaimedClients int     `json:"reclaimed_clients"`
}

// Health calls GET /health. It needs no credentials.
func (c *Client) Health(ctx context.Context) (*Liveness, error) {
	var out Liveness
	if _, err := c.send(ctx, request{method: http.MethodGet, path: "/health", out: &out, noAuth: true}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Ready calls GET /health/ready. It needs no credentials.
func (c *Client) Ready(ctx context.Context) (*Readiness, error) {
	var out Readiness
	if _, err := c.send(ctx, request{method: http.MethodGet, path: "/health/ready", out: &out, noAuth: true}); err != nil {
		return nil, err
	}
	return &out, nil
}
