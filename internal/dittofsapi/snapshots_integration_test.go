package dittofsapi_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi/dfstest"
)

func TestSnapshotLifecycle(t *testing.T) {
	t.Parallel()
	srv, c := startAdmin(t, dfstest.Options{})
	ctx := testContext(t)

	blocksPath := filepath.Join(srv.DataDir, "blocks")
	_, err := c.CreateMetadataStore(ctx, "meta", dittofsapi.BadgerMetadataConfig{Path: filepath.Join(srv.DataDir, "meta")})
	require.NoError(t, err)
	_, err = c.CreateLocalBlockStore(ctx, "blocks", dittofsapi.FSLocalBlockConfig{Path: blocksPath})
	require.NoError(t, err)
	_, err = c.CreateShare(ctx, dittofsapi.CreateShareRequest{Name: "/data", MetadataStore: "meta", LocalBlockStore: "blocks"})
	require.NoError(t, err)

	_, err = c.CreateSnapshot(ctx, "/missing", dittofsapi.CreateSnapshotRequest{})
	assert.True(t, dittofsapi.IsNotFound(err), "snapshot of an unknown share: %v", err)

	id, err := c.CreateSnapshot(ctx, "/data", dittofsapi.CreateSnapshotRequest{Name: "before-upgrade"})
	require.NoError(t, err)
	require.NotEmpty(t, id)

	var snap *dittofsapi.Snapshot
	dfstest.Eventually(t, time.Minute, 100*time.Millisecond, func() (bool, string) {
		snap, err = c.GetSnapshot(ctx, "/data", id)
		if err != nil {
			return false, err.Error()
		}
		require.NotEqual(t, dittofsapi.SnapshotFailed, snap.State, "snapshot failed: %s", snap.Error)
		return snap.State == dittofsapi.SnapshotReady, "state " + snap.State
	})
	assert.Equal(t, "before-upgrade", snap.Name)
	assert.Equal(t, "/data", snap.Share)
	assert.False(t, snap.Scheduled)
	assert.DirExists(t, filepath.Join(blocksPath, "shares", "data", "snapshots", id), "snapshot files live under the fs block store")

	// WaitForSnapshot sees the same end state.
	waited, err := c.WaitForSnapshot(ctx, "/data", id, 50*time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, dittofsapi.SnapshotReady, waited.State)

	list, err := c.ListSnapshots(ctx, "data")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, id, list[0].ID)
	_, err = c.GetSnapshot(ctx, "/data", "00000000-0000-0000-0000-000000000000")
	assert.True(t, dittofsapi.IsNotFound(err), "%v", err)

	// Restore needs a disabled share.
	_, err = c.RestoreSnapshot(ctx, "/data", id, dittofsapi.RestoreSnapshotRequest{AllowNonDurable: true})
	require.Error(t, err)
	assert.True(t, dittofsapi.IsConflict(err), "restore onto an enabled share: %v", err)

	_, err = c.DisableShare(ctx, "/data")
	require.NoError(t, err)
	if !snap.RemoteDurable {
		// No remote store: the snapshot is local only and a restore must
		// be forced.
		_, err = c.RestoreSnapshot(ctx, "/data", id, dittofsapi.RestoreSnapshotRequest{})
		require.Error(t, err)
		assert.True(t, dittofsapi.IsPreconditionFailed(err), "restore of a non-durable snapshot: %v", err)
	}
	res, err := c.RestoreSnapshot(ctx, "/data", id, dittofsapi.RestoreSnapshotRequest{AllowNonDurable: true})
	require.NoError(t, err)
	assert.Equal(t, id, res.SnapshotID)
	assert.Equal(t, "/data", res.Share)
	assert.NotEmpty(t, res.SafetySnapshotID)
	assert.NotEqual(t, id, res.SafetySnapshotID)

	share, err := c.GetShare(ctx, "/data")
	require.NoError(t, err)
	assert.False(t, share.Enabled, "the share stays disabled after a restore")
	_, err = c.EnableShare(ctx, "/data")
	require.NoError(t, err)

	list, err = c.ListSnapshots(ctx, "/data")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{id, res.SafetySnapshotID}, names(list, func(s dittofsapi.Snapshot) string { return s.ID }),
		"the safety snapshot is listed next to the original")

	require.NoError(t, c.DeleteSnapshot(ctx, "/data", id))
	_, err = c.GetSnapshot(ctx, "/data", id)
	assert.True(t, dittofsapi.IsNotFound(err), "%v", err)
	_, statErr := os.Stat(filepath.Join(blocksPath, "shares", "data", "snapshots", id))
	assert.True(t, os.IsNotExist(statErr), "snapshot files are gone: %v", statErr)
	err = c.DeleteSnapshot(ctx, "/data", id)
	assert.True(t, dittofsapi.IsNotFound(err), "%v", err)
}

func TestSnapshotNeedsFSBlockStore(t *testing.T) {
	t.Parallel()
	_, c := startAdmin(t, dfstest.Options{})
	ctx := testContext(t)
	_, err := c.CreateMetadataStore(ctx, "meta", dittofsapi.MemoryMetadataConfig{})
	require.NoError(t, err)
	_, err = c.CreateLocalBlockStore(ctx, "ram", dittofsapi.MemoryLocalBlockConfig{})
	require.NoError(t, err)
	_, err = c.CreateShare(ctx, dittofsapi.CreateShareRequest{Name: "/ram", MetadataStore: "meta", LocalBlockStore: "ram"})
	require.NoError(t, err)

	_, err = c.CreateSnapshot(ctx, "/ram", dittofsapi.CreateSnapshotRequest{})
	require.Error(t, err)
	assert.True(t, dittofsapi.IsBadRequest(err), "%v", err)
}

func TestSnapshotPolicy(t *testing.T) {
	t.Parallel()
	srv, c := startAdmin(t, dfstest.Options{})
	ctx := testContext(t)
	_, err := c.CreateMetadataStore(ctx, "meta", dittofsapi.BadgerMetadataConfig{Path: filepath.Join(srv.DataDir, "meta")})
	require.NoError(t, err)
	_, err = c.CreateLocalBlockStore(ctx, "blocks", dittofsapi.FSLocalBlockConfig{Path: filepath.Join(srv.DataDir, "blocks")})
	require.NoError(t, err)
	_, err = c.CreateShare(ctx, dittofsapi.CreateShareRequest{Name: "/data", MetadataStore: "meta", LocalBlockStore: "blocks"})
	require.NoError(t, err)

	_, err = c.GetSnapshotPolicy(ctx, "/data")
	assert.True(t, dittofsapi.IsNotFound(err), "no policy yet: %v", err)

	put, err := c.PutSnapshotPolicy(ctx, "/data", dittofsapi.SnapshotPolicySpec{Interval: "6h", KeepLast: 3, TTL: "168h", NamePrefix: "auto"})
	require.NoError(t, err)
	assert.Equal(t, "/data", put.Share)
	assert.True(t, put.Enabled, "enabled by default")

	got, err := c.GetSnapshotPolicy(ctx, "data")
	require.NoError(t, err)
	assert.Equal(t, "6h0m0s", got.Interval)
	assert.Equal(t, 3, got.KeepLast)
	assert.Equal(t, "168h0m0s", got.TTL)
	assert.Equal(t, "auto", got.NamePrefix)
	assert.True(t, got.Enabled)

	// Replace: a PUT is a full upsert.
	_, err = c.PutSnapshotPolicy(ctx, "/data", dittofsapi.SnapshotPolicySpec{Interval: "@daily", Enabled: ptr(false)})
	require.NoError(t, err)
	got, err = c.GetSnapshotPolicy(ctx, "/data")
	require.NoError(t, err)
	assert.Equal(t, "24h0m0s", got.Interval, "the server stores a macro as its duration")
	assert.False(t, got.Enabled)
	assert.Zero(t, got.KeepLast)
	assert.Empty(t, got.NamePrefix)

	all, err := c.ListSnapshotPolicies(ctx)
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, "/data", all[0].Share)

	_, err = c.PutSnapshotPolicy(ctx, "/data", dittofsapi.SnapshotPolicySpec{Interval: "sometimes"})
	assert.True(t, dittofsapi.IsBadRequest(err), "%v", err)
	_, err = c.PutSnapshotPolicy(ctx, "/data", dittofsapi.SnapshotPolicySpec{Interval: "1h", NamePrefix: "no spaces"})
	assert.True(t, dittofsapi.IsBadRequest(err), "%v", err)

	// Run now: the policy takes a scheduled snapshot on demand.
	id, err := c.RunSnapshotPolicy(ctx, "/data")
	require.NoError(t, err)
	snap, err := c.WaitForSnapshot(ctx, "/data", id, 100*time.Millisecond)
	require.NoError(t, err)
	assert.True(t, snap.Scheduled)

	require.NoError(t, c.DeleteSnapshotPolicy(ctx, "/data"))
	_, err = c.GetSnapshotPolicy(ctx, "/data")
	assert.True(t, dittofsapi.IsNotFound(err), "%v", err)
	all, err = c.ListSnapshotPolicies(ctx)
	require.NoError(t, err)
	assert.Empty(t, all)
	err = c.DeleteSnapshotPolicy(ctx, "/data")
	assert.True(t, dittofsapi.IsNotFound(err), "%v", err)
}
