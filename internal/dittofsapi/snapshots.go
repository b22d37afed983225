package dittofsapi

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"time"
)

// Snapshot states.
const (
	SnapshotCreating = "creating"
	SnapshotReady    = "ready"
	SnapshotFailed   = "failed"
)

// Snapshot is a point-in-time copy of one share, kept under the share's fs
// local block store.
type Snapshot struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Share string `json:"share"`
	// State is creating, ready or failed.
	State string `json:"state"`
	// RemoteDurable means every block is confirmed in the remote store; a
	// restore of a snapshot without it needs AllowNonDurable.
	RemoteDurable bool `json:"remote_durable"`
	// Scheduled snapshots come from a policy and are pruned by it.
	Scheduled bool `json:"scheduled"`
	// ManifestCount and DumpBytes are only filled by GetSnapshot.
	ManifestCount int       `json:"manifest_count,omitempty"`
	DumpBytes     int64     `json:"dump_bytes,omitempty"`
	RetryOf       string    `json:"retry_of,omitempty"`
	Error         string    `json:"error,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// CreateSnapshotRequest is the body of POST /shares/{name}/snapshots.
type CreateSnapshotRequest struct {
	Name string `json:"name,omitempty"`
	// NoVerify skips waiting for remote durability; the snapshot ends up
	// ready but not RemoteDurable.
	NoVerify bool `json:"no_verify,omitempty"`
	// RetryOf re-runs a failed snapshot under its own ID.
	RetryOf string `json:"retry_of,omitempty"`
}

type createSnapshotResponse struct {
	SnapshotID string `json:"snapshot_id"`
	Share      string `json:"share"`
}

// RestoreSnapshotRequest is the body of POST .../snapshots/{id}/restore.
type RestoreSnapshotRequest struct {
	AllowNonDurable bool `json:"allow_non_durable,omitempty"`
}

// RestoreResult is the answer to a restore.
type RestoreResult struct {
	SnapshotID string `json:"snapshot_id"`
	// SafetySnapshotID is the snapshot of the pre-restore state the server
	// takes first, so a bad restore can itself be undone.
	SafetySnapshotID string `json:"safety_snapshot_id,omitempty"`
	Share            string `json:"share"`
}

// SnapshotPolicySpec is the body of PUT /shares/{name}/snapshot-policy.
type SnapshotPolicySpec struct {
	// Interval is a Go duration ("6h") or a macro such as "@daily"; the
	// server answers with the duration ("24h0m0s").
	Interval string `json:"interval"`
	// KeepLast keeps this many scheduled snapshots; 0 keeps all.
	KeepLast int `json:"keep_last,omitempty"`
	// TTL prunes scheduled snapshots older than this Go duration.
	TTL string `json:"ttl,omitempty"`
	// Enabled defaults to true on the server.
	Enabled *bool `json:"enabled,omitempty"`
	// NamePrefix names scheduled snapshots; [A-Za-z0-9_-]{0,64}.
	NamePrefix string `json:"name_prefix,omitempty"`
}

// SnapshotPolicy is a share's snapshot schedule as the server shows it.
type SnapshotPolicy struct {
	Share      string     `json:"share"`
	Enabled    bool       `json:"enabled"`
	Interval   string     `json:"interval"`
	KeepLast   int        `json:"keep_last"`
	TTL        string     `json:"ttl,omitempty"`
	NamePrefix string     `json:"name_prefix,omitempty"`
	LastRunAt  *time.Time `json:"last_run_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// CreateSnapshot starts a snapshot of share and returns its ID at once (the
// server answers 202); poll GetSnapshot or use WaitForSnapshot. The share
// needs an fs local block store (else 400).
func (c *Client) CreateSnapshot(ctx context.Context, share string, req CreateSnapshotRequest) (string, error) {
	p, err := sharePath(share, "snapshots")
	if err != nil {
		return "", err
	}
	return c.startSnapshot(ctx, p, req)
}

// startSnapshot posts to an endpoint that answers 202 with a Location and a
// snapshot_id.
func (c *Client) startSnapshot(ctx context.Context, p string, body any) (string, error) {
	var out createSnapshotResponse
	header, err := c.send(ctx, request{method: http.MethodPost, path: p, body: body, out: &out})
	if err != nil {
		return "", err
	}
	if out.SnapshotID != "" {
		return out.SnapshotID, nil
	}
	if loc := header.Get("Location"); loc != "" {
		return path.Base(loc), nil
	}
	return "", fmt.Errorf("dittofs: POST %s: answer names no snapshot", p)
}

// ListSnapshots returns the share's snapshots.
func (c *Client) ListSnapshots(ctx context.Context, share string) ([]Snapshot, error) {
	p, err := sharePath(share, "snapshots")
	if err != nil {
		return nil, err
	}
	var out []Snapshot
	if _, err := c.send(ctx, request{method: http.MethodGet, path: p, out: &out}); err != nil {
		return nil, err
	}
	return out, nil
}

// GetSnapshot returns one snapshot.
func (c *Client) GetSnapshot(ctx context.Context, share, id string) (*Snapshot, error) {
	p, err := snapshotPath(share, id)
	if err != nil {
		return nil, err
	}
	var out Snapshot
	if _, err := c.send(ctx, request{method: http.MethodGet, path: p, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteSnapshot deletes a snapshot and its files; 409 while it is being
// created or restored.
func (c *Client) DeleteSnapshot(ctx context.Context, share, id string) error {
	p, err := snapshotPath(share, id)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, request{method: http.MethodDelete, path: p})
	return err
}

// RestoreSnapshot rolls share back to snapshot id and waits for it. The share
// must be disabled first (else 409, see IsConflict); a snapshot that is not
// remote-durable needs AllowNonDurable (else 412). The share stays disabled
// afterwards. Only ctx bounds the call, not the client's timeout: a restore
// takes as long as the share is big, and the server cancels a restore whose
// client hangs up, so give ctx a deadline beyond the server's own
// (snapshot.restore_http_timeout).
func (c *Client) RestoreSnapshot(ctx context.Context, share, id string, req RestoreSnapshotRequest) (*RestoreResult, error) {
	p, err := snapshotPath(share, id, "restore")
	if err != nil {
		return nil, err
	}
	var out RestoreResult
	if _, err := c.send(ctx, request{method: http.MethodPost, path: p, body: req, out: &out, long: true}); err != nil {
		return nil, err
	}
	return &out, nil
}

// WaitForSnapshot polls a snapshot every interval until it leaves state
// creating or ctx ends. A failed snapshot is returned with an error.
func (c *Client) WaitForSnapshot(ctx context.Context, share, id string, interval time.Duration) (*Snapshot, error) {
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		snap, err := c.GetSnapshot(ctx, share, id)
		if err != nil {
			return nil, err
		}
		switch snap.State {
		case SnapshotReady:
			return snap, nil
		case SnapshotFailed:
			return snap, fmt.Errorf("dittofs: snapshot %s of share %s failed: %s", id, share, snap.Error)
		}
		select {
		case <-ctx.Done():
			return snap, fmt.Errorf("dittofs: snapshot %s of share %s still %q: %w", id, share, snap.State, ctx.Err())
		case <-ticker.C:
		}
	}
}

func snapshotPath(share, id string, rest ...string) (string, error) {
	if err := requireName("snapshot", id); err != nil {
		return "", err
	}
	return sharePath(share, append([]string{"snapshots", id}, rest...)...)
}

// PutSnapshotPolicy creates or replaces the share's snapshot schedule, which
// the server's own scheduler then runs.
func (c *Client) PutSnapshotPolicy(ctx context.Context, share string, spec SnapshotPolicySpec) (*SnapshotPolicy, error) {
	return c.policyCall(ctx, http.MethodPut, share, spec)
}

// GetSnapshotPolicy returns the share's snapshot schedule; 404 when none.
func (c *Client) GetSnapshotPolicy(ctx context.Context, share string) (*SnapshotPolicy, error) {
	return c.policyCall(ctx, http.MethodGet, share, nil)
}

// DeleteSnapshotPolicy removes the share's snapshot schedule.
func (c *Client) DeleteSnapshotPolicy(ctx context.Context, share string) error {
	p, err := sharePath(share, "snapshot-policy")
	if err != nil {
		return err
	}
	_, err = c.send(ctx, request{method: http.MethodDelete, path: p})
	return err
}

// RunSnapshotPolicy takes a scheduled snapshot now and returns its ID.
func (c *Client) RunSnapshotPolicy(ctx context.Context, share string) (string, error) {
	p, err := sharePath(share, "snapshot-policy", "run")
	if err != nil {
		return "", err
	}
	return c.startSnapshot(ctx, p, nil)
}

// ListSnapshotPolicies returns the snapshot schedules of all shares.
func (c *Client) ListSnapshotPolicies(ctx context.Context) ([]SnapshotPolicy, error) {
	var out []SnapshotPolicy
	if _, err := c.send(ctx, request{method: http.MethodGet, path: apiPath("snapshot-policies"), out: &out}); err != nil {
		return nil, err
	}
	return out, nil
}

func (c *Client) policyCall(ctx context.Context, method, share string, body any) (*SnapshotPolicy, error) {
	p, err := sharePath(share, "snapshot-policy")
	if err != nil {
		return nil, err
	}
	var out SnapshotPolicy
	if _, err := c.send(ctx, request{method: method, path: p, body: body, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}
