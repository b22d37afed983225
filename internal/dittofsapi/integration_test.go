package dittofsapi_test

// These tests drive a real dfs v0.29.0 process (see dfstest). Nothing here is
// mocked.

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi/dfstest"
)

// startAdmin starts a server and returns it with a client logged in as admin.
func startAdmin(t *testing.T, opts dfstest.Options) (*dfstest.Server, *dittofsapi.Client) {
	t.Helper()
	srv := dfstest.Start(t, opts)
	c, err := dittofsapi.New(srv.BaseURL, dittofsapi.WithCredentials(dfstest.AdminUser, srv.AdminPassword))
	require.NoError(t, err)
	return srv, c
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func ptr[T any](v T) *T { return &v }

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

func TestHealthNeedsNoCredentials(t *testing.T) {
	t.Parallel()
	srv := dfstest.Start(t, dfstest.Options{})
	ctx := testContext(t)
	c, err := dittofsapi.New(srv.BaseURL) // no credentials at all
	require.NoError(t, err)

	live, err := c.Health(ctx)
	require.NoError(t, err)
	assert.Equal(t, "healthy", live.Status)
	assert.Equal(t, "dittofs", live.Data.Service)
	assert.Equal(t, "reachable", live.Data.ControlPlaneDB)

	ready, err := c.Ready(ctx)
	require.NoError(t, err)
	assert.Equal(t, "healthy", ready.Status)
	assert.ElementsMatch(t, []string{"nfs", "smb"}, ready.Data.Adapters.Types)
	assert.Equal(t, 2, ready.Data.Adapters.Running)

	// Without credentials the API proper answers 401 (as text/plain).
	_, err = c.ListShares(ctx)
	require.Error(t, err)
	assert.True(t, dittofsapi.IsUnauthorized(err), "%v", err)
	assert.Contains(t, err.Error(), "GET /api/v1/shares: 401")
}

func TestLoginAndRoles(t *testing.T) {
	t.Parallel()
	srv, admin := startAdmin(t, dfstest.Options{})
	ctx := testContext(t)

	me, err := admin.Login(ctx)
	require.NoError(t, err)
	assert.Equal(t, "admin", me.Username)
	assert.Equal(t, dittofsapi.RoleAdmin, me.Role)
	assert.False(t, me.MustChangePassword, "the env-provided admin password needs no change")

	t.Run("wrong password is unauthorized", func(t *testing.T) {
		bad, err := dittofsapi.New(srv.BaseURL, dittofsapi.WithCredentials("admin", "not-"+srv.AdminPassword))
		require.NoError(t, err)
		_, err = bad.Login(ctx)
		require.Error(t, err)
		assert.True(t, dittofsapi.IsUnauthorized(err), "%v", err)
		assert.False(t, dittofsapi.IsUnavailable(err))
		assert.Contains(t, err.Error(), "POST /api/v1/auth/login: 401")
		assert.Contains(t, err.Error(), "Invalid username or password")

		// Any other call surfaces the same login failure.
		_, err = bad.ListShares(ctx)
		assert.True(t, dittofsapi.IsUnauthorized(err), "%v", err)
	})

	t.Run("operator role is forbidden from stores and shares", func(t *testing.T) {
		_, err := admin.CreateUser(ctx, dittofsapi.CreateUserRequest{Username: "ops", Password: "ops-password-1", Role: dittofsapi.RoleOperator})
		require.NoError(t, err)
		_, err = admin.CreateUser(ctx, dittofsapi.CreateUserRequest{Username: "ops", Password: "another-password", Role: dittofsapi.RoleOperator})
		assert.True(t, dittofsapi.IsConflict(err), "duplicate user: %v", err)
		// The server answers a too-short password with a 500; the client
		// refuses it before sending so it does not read as an outage.
		_, err = admin.CreateUser(ctx, dittofsapi.CreateUserRequest{Username: "shorty", Password: "x"})
		require.Error(t, err)
		assert.Zero(t, dittofsapi.StatusCode(err))
		assert.False(t, dittofsapi.IsUnavailable(err))

		// The admin still has something to look at, so 403 cannot be a 404.
		_, err = admin.CreateMetadataStore(ctx, "meta", dittofsapi.MemoryMetadataConfig{})
		require.NoError(t, err)

		ops, err := dittofsapi.New(srv.BaseURL, dittofsapi.WithCredentials("ops", "ops-password-1"))
		require.NoError(t, err)
		who, err := ops.Login(ctx)
		require.NoError(t, err, "an operator can log in")
		assert.Equal(t, dittofsapi.RoleOperator, who.Role)

		forbidden := map[string]func() error{
			"ListShares": func() error { _, err := ops.ListShares(ctx); return err },
			"CreateShare": func() error {
				_, err := ops.CreateShare(ctx, dittofsapi.CreateShareRequest{Name: "/x", MetadataStore: "meta", LocalBlockStore: "blocks"})
				return err
			},
			"GetMetadataStore":   func() error { _, err := ops.GetMetadataStore(ctx, "meta"); return err },
			"ListMetadataStores": func() error { _, err := ops.ListMetadataStores(ctx); return err },
			"CreateLocalBlockStore": func() error {
				_, err := ops.CreateLocalBlockStore(ctx, "b", dittofsapi.MemoryLocalBlockConfig{})
				return err
			},
			"GetAdapter": func() error { _, err := ops.GetAdapter(ctx, "nfs"); return err },
			"UpdateAdapter": func() error {
				_, err := ops.UpdateAdapter(ctx, "nfs", dittofsapi.AdapterUpdate{Enabled: ptr(false)})
				return err
			},
			"GetNFSSettings":       func() error { _, err := ops.GetNFSSettings(ctx); return err },
			"GetSnapshotPolicy":    func() error { _, err := ops.GetSnapshotPolicy(ctx, "/x"); return err },
			"ListSnapshotPolicies": func() error { _, err := ops.ListSnapshotPolicies(ctx); return err },
		}
		for name, call := range forbidden {
			err := call()
			require.Error(t, err, name)
			assert.True(t, dittofsapi.IsForbidden(err), "%s: %v", name, err)
			assert.False(t, dittofsapi.IsUnauthorized(err), "%s: a 403 must not trigger re-login loops", name)
		}

		// Listing adapters is the one management read an operator may do.
		adapters, err := ops.ListAdapters(ctx)
		require.NoError(t, err)
		assert.Len(t, adapters, 2)
		// And nothing the operator tried took effect.
		stores, err := admin.ListMetadataStores(ctx)
		require.NoError(t, err)
		require.Len(t, stores, 1)
		nfs, err := admin.GetAdapter(ctx, "nfs")
		require.NoError(t, err)
		assert.True(t, nfs.Enabled)
	})
}

func TestNewAdminMustChangePasswordFirst(t *testing.T) {
	t.Parallel()
	srv, admin := startAdmin(t, dfstest.Options{})
	ctx := testContext(t)
	created, err := admin.CreateUser(ctx, dittofsapi.CreateUserRequest{Username: "second-admin", Password: "second-admin-pw", Role: dittofsapi.RoleAdmin})
	require.NoError(t, err)
	assert.True(t, created.MustChangePassword)

	c, err := dittofsapi.New(srv.BaseURL, dittofsapi.WithCredentials("second-admin", "second-admin-pw"))
	require.NoError(t, err)
	_, err = c.Login(ctx)
	require.NoError(t, err, "logging in works")
	_, err = c.ListShares(ctx)
	require.Error(t, err)
	assert.True(t, dittofsapi.IsForbidden(err), "until the password is changed: %v", err)
	assert.Contains(t, err.Error(), "must set a new password")
}

func TestStoresSharesAndPermissions(t *testing.T) {
	t.Parallel()
	srv, c := startAdmin(t, dfstest.Options{})
	ctx := testContext(t)

	// --- metadata stores ---
	badgerPath := filepath.Join(srv.DataDir, "meta-badger")
	meta, err := c.CreateMetadataStore(ctx, "meta", dittofsapi.BadgerMetadataConfig{Path: badgerPath})
	require.NoError(t, err)
	assert.Equal(t, "badger", meta.Type)
	assert.NotEmpty(t, meta.ID)
	var gotBadger dittofsapi.BadgerMetadataConfig
	require.NoError(t, meta.DecodeConfig(&gotBadger))
	assert.Equal(t, badgerPath, gotBadger.Path)
	assert.DirExists(t, badgerPath, "the server opened the store at once")

	mem, err := c.CreateMetadataStore(ctx, "scratch", dittofsapi.MemoryMetadataConfig{})
	require.NoError(t, err)
	assert.Equal(t, "memory", mem.Type)

	_, err = c.CreateMetadataStore(ctx, "meta", dittofsapi.MemoryMetadataConfig{})
	assert.True(t, dittofsapi.IsConflict(err), "duplicate store: %v", err)
	_, err = c.GetMetadataStore(ctx, "nope")
	assert.True(t, dittofsapi.IsNotFound(err), "%v", err)
	_, err = c.CreateMetadataStore(ctx, "nopath", dittofsapi.BadgerMetadataConfig{})
	assert.True(t, dittofsapi.IsBadRequest(err), "badger without a path: %v", err)

	got, err := c.GetMetadataStore(ctx, "meta")
	require.NoError(t, err)
	assert.Equal(t, meta.ID, got.ID)
	all, err := c.ListMetadataStores(ctx)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"meta", "scratch"}, names(all, func(s dittofsapi.MetadataStore) string { return s.Name }))

	sqlitePath := filepath.Join(srv.DataDir, "scratch.db")
	updated, err := c.UpdateMetadataStore(ctx, "scratch", dittofsapi.SQLiteMetadataConfig{Path: sqlitePath})
	require.NoError(t, err)
	assert.Equal(t, "sqlite", updated.Type)
	got, err = c.GetMetadataStore(ctx, "scratch")
	require.NoError(t, err)
	var gotSQLite dittofsapi.SQLiteMetadataConfig
	require.NoError(t, got.DecodeConfig(&gotSQLite))
	assert.Equal(t, sqlitePath, gotSQLite.Path)
	require.NoError(t, c.DeleteMetadataStore(ctx, "scratch"))
	_, err = c.GetMetadataStore(ctx, "scratch")
	assert.True(t, dittofsapi.IsNotFound(err), "%v", err)

	// --- block stores ---
	blocksPath := filepath.Join(srv.DataDir, "blocks")
	blocks, err := c.CreateLocalBlockStore(ctx, "blocks", dittofsapi.FSLocalBlockConfig{Path: blocksPath})
	require.NoError(t, err)
	assert.Equal(t, dittofsapi.BlockStoreLocal, blocks.Kind)
	assert.Equal(t, "fs", blocks.Type)
	var gotFS dittofsapi.FSLocalBlockConfig
	require.NoError(t, blocks.DecodeConfig(&gotFS))
	assert.Equal(t, blocksPath, gotFS.Path)
	assert.DirExists(t, blocksPath)

	_, err = c.CreateLocalBlockStore(ctx, "relative", dittofsapi.FSLocalBlockConfig{Path: "relative/dir"})
	assert.True(t, dittofsapi.IsBadRequest(err), "relative fs path: %v", err)
	_, err = c.CreateLocalBlockStore(ctx, "blocks", dittofsapi.MemoryLocalBlockConfig{})
	assert.True(t, dittofsapi.IsConflict(err), "%v", err)

	_, err = c.CreateLocalBlockStore(ctx, "ram", dittofsapi.MemoryLocalBlockConfig{})
	require.NoError(t, err)
	locals, err := c.ListBlockStores(ctx, dittofsapi.BlockStoreLocal)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"blocks", "ram"}, names(locals, func(s dittofsapi.BlockStore) string { return s.Name }))
	resized, err := c.UpdateLocalBlockStore(ctx, "blocks", dittofsapi.FSLocalBlockConfig{Path: blocksPath, MaxSize: 1 << 30})
	require.NoError(t, err)
	require.NoError(t, resized.DecodeConfig(&gotFS))
	assert.Equal(t, int64(1<<30), gotFS.MaxSize)

	remote, err := c.CreateRemoteBlockStore(ctx, "remote", dittofsapi.MemoryRemoteBlockConfig{})
	require.NoError(t, err)
	assert.Equal(t, dittofsapi.BlockStoreRemote, remote.Kind)
	_, err = c.GetBlockStore(ctx, dittofsapi.BlockStoreLocal, "remote")
	assert.True(t, dittofsapi.IsNotFound(err), "kinds are separate namespaces: %v", err)
	_, err = c.CreateRemoteBlockStore(ctx, "s3", dittofsapi.S3RemoteBlockConfig{Bucket: "b"})
	assert.True(t, dittofsapi.IsBadRequest(err), "s3 without keys: %v", err)

	// --- shares ---
	share, err := c.CreateShare(ctx, dittofsapi.CreateShareRequest{
		Name: "/export", MetadataStore: "meta", LocalBlockStore: "blocks",
		DefaultPermission: dittofsapi.PermissionRead, QuotaBytes: "1GiB",
	})
	require.NoError(t, err)
	assert.Equal(t, "/export", share.Name)
	assert.True(t, share.Enabled)
	assert.Equal(t, meta.ID, share.MetadataStoreID, "the store name was resolved to its ID")
	assert.Equal(t, blocks.ID, share.LocalBlockStoreID)
	assert.Nil(t, share.RemoteBlockStoreID)
	assert.Equal(t, dittofsapi.PermissionRead, share.DefaultPermission)
	assert.Equal(t, "1.00GiB", share.QuotaBytes, "the server formats sizes its own way")

	_, err = c.CreateShare(ctx, dittofsapi.CreateShareRequest{Name: "export", MetadataStore: "meta", LocalBlockStore: "blocks"})
	require.Error(t, err)
	assert.True(t, dittofsapi.IsConflict(err), "duplicate share (also without the slash): %v", err)
	_, err = c.CreateShare(ctx, dittofsapi.CreateShareRequest{Name: "/other", MetadataStore: "missing", LocalBlockStore: "blocks"})
	assert.True(t, dittofsapi.IsBadRequest(err), "unknown store: %v", err)

	for _, name := range []string{"/export", "export"} {
		got, err := c.GetShare(ctx, name)
		require.NoError(t, err, name)
		assert.Equal(t, share.ID, got.ID, name)
	}
	_, err = c.GetShare(ctx, "/missing")
	assert.True(t, dittofsapi.IsNotFound(err), "%v", err)

	nested, err := c.CreateShare(ctx, dittofsapi.CreateShareRequest{Name: "/team/docs", MetadataStore: "meta", LocalBlockStore: "ram", RemoteBlockStore: ptr("remote")})
	require.NoError(t, err)
	assert.Equal(t, "/team/docs", nested.Name)
	require.NotNil(t, nested.RemoteBlockStoreID)
	assert.Equal(t, remote.ID, *nested.RemoteBlockStoreID)
	gotNested, err := c.GetShare(ctx, "/team/docs")
	require.NoError(t, err, "a slash inside a name must travel as one escaped segment")
	assert.Equal(t, nested.ID, gotNested.ID)

	shares, err := c.ListShares(ctx)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"/export", "/team/docs"}, names(shares, func(s dittofsapi.Share) string { return s.Name }))

	changed, err := c.UpdateShare(ctx, "/export", dittofsapi.UpdateShareRequest{ReadOnly: ptr(true), QuotaBytes: ptr("2GiB"), DefaultPermission: ptr(dittofsapi.PermissionNone)})
	require.NoError(t, err)
	assert.True(t, changed.ReadOnly)
	got2, err := c.GetShare(ctx, "/export")
	require.NoError(t, err)
	assert.True(t, got2.ReadOnly)
	assert.Equal(t, "2.00GiB", got2.QuotaBytes)
	assert.Equal(t, dittofsapi.PermissionNone, got2.DefaultPermission)
	_, err = c.UpdateShare(ctx, "/missing", dittofsapi.UpdateShareRequest{ReadOnly: ptr(true)})
	assert.True(t, dittofsapi.IsNotFound(err), "%v", err)

	disabled, err := c.DisableShare(ctx, "/export")
	require.NoError(t, err)
	assert.False(t, disabled.Enabled)
	_, err = c.DisableShare(ctx, "/export")
	assert.NoError(t, err, "disabling twice is fine")
	enabled, err := c.EnableShare(ctx, "/export")
	require.NoError(t, err)
	assert.True(t, enabled.Enabled)
	status, err := c.ShareStatus(ctx, "/export")
	require.NoError(t, err)
	assert.NotEmpty(t, status.Status)

	_, err = c.CreateShare(ctx, dittofsapi.CreateShareRequest{Name: "/bad", MetadataStore: "meta", LocalBlockStore: "blocks", DefaultPermission: "write"})
	require.Error(t, err)
	assert.Zero(t, dittofsapi.StatusCode(err), "rejected before any request")

	// --- permissions ---
	_, err = c.CreateUser(ctx, dittofsapi.CreateUserRequest{Username: "alice", Password: "alice-password-1"})
	require.NoError(t, err)
	require.NoError(t, c.SetUserPermission(ctx, "/export", "alice", dittofsapi.PermissionReadWrite))
	require.NoError(t, c.SetGroupPermission(ctx, "/export", "users", dittofsapi.PermissionRead))
	perms, err := c.ListPermissions(ctx, "/export")
	require.NoError(t, err)
	assert.ElementsMatch(t, []dittofsapi.Permission{
		{Type: "user", Name: "alice", Level: dittofsapi.PermissionReadWrite},
		{Type: "group", Name: "users", Level: dittofsapi.PermissionRead},
	}, perms)

	require.NoError(t, c.SetUserPermission(ctx, "/export", "alice", dittofsapi.PermissionRead), "a second grant replaces the first")
	perms, err = c.ListPermissions(ctx, "/export")
	require.NoError(t, err)
	assert.Contains(t, perms, dittofsapi.Permission{Type: "user", Name: "alice", Level: dittofsapi.PermissionRead})
	assert.Len(t, perms, 2)

	err = c.SetUserPermission(ctx, "/export", "nobody", dittofsapi.PermissionRead)
	assert.True(t, dittofsapi.IsNotFound(err), "unknown user: %v", err)
	err = c.SetGroupPermission(ctx, "/export", "nogroup", dittofsapi.PermissionRead)
	assert.True(t, dittofsapi.IsNotFound(err), "unknown group: %v", err)
	err = c.SetUserPermission(ctx, "/missing", "alice", dittofsapi.PermissionRead)
	assert.True(t, dittofsapi.IsNotFound(err), "unknown share: %v", err)
	err = c.SetUserPermission(ctx, "/export", "alice", "full")
	require.Error(t, err)
	assert.Zero(t, dittofsapi.StatusCode(err), "invalid level rejected before any request")

	require.NoError(t, c.DeleteUserPermission(ctx, "/export", "alice"))
	require.NoError(t, c.DeleteGroupPermission(ctx, "/export", "users"))
	perms, err = c.ListPermissions(ctx, "/export")
	require.NoError(t, err)
	assert.Empty(t, perms)
	assert.NoError(t, c.DeleteUserPermission(ctx, "/export", "alice"), "removing an absent grant succeeds")

	// --- deletion order: a store in use cannot go ---
	err = c.DeleteMetadataStore(ctx, "meta")
	assert.True(t, dittofsapi.IsConflict(err), "store in use: %v", err)
	err = c.DeleteBlockStore(ctx, dittofsapi.BlockStoreLocal, "blocks")
	assert.True(t, dittofsapi.IsConflict(err), "block store in use: %v", err)

	require.NoError(t, c.DeleteShare(ctx, "/export"))
	require.NoError(t, c.DeleteShare(ctx, "/team/docs"))
	_, err = c.GetShare(ctx, "/export")
	assert.True(t, dittofsapi.IsNotFound(err), "%v", err)
	err = c.DeleteShare(ctx, "/export")
	assert.True(t, dittofsapi.IsNotFound(err), "%v", err)

	require.NoError(t, c.DeleteMetadataStore(ctx, "meta"))
	require.NoError(t, c.DeleteBlockStore(ctx, dittofsapi.BlockStoreLocal, "blocks"))
	require.NoError(t, c.DeleteBlockStore(ctx, dittofsapi.BlockStoreLocal, "ram"))
	require.NoError(t, c.DeleteBlockStore(ctx, dittofsapi.BlockStoreRemote, "remote"))
	err = c.DeleteBlockStore(ctx, dittofsapi.BlockStoreRemote, "remote")
	assert.True(t, dittofsapi.IsNotFound(err), "%v", err)
}

func TestAdapters(t *testing.T) {
	t.Parallel()
	srv, c := startAdmin(t, dfstest.Options{})
	ctx := testContext(t)

	list, err := c.ListAdapters(ctx)
	require.NoError(t, err)
	ports := map[string]int{}
	for _, a := range list {
		ports[a.Type] = a.Port
		assert.True(t, a.Enabled, a.Type)
		assert.True(t, a.Running, a.Type)
	}
	assert.Equal(t, map[string]int{"nfs": srv.NFSPort, "smb": srv.SMBPort}, ports, "dfstest moved both off their seeded ports")

	// Move NFS to another port: the listener is rebound live.
	newPort := freePort(t)
	moved, err := c.UpdateAdapter(ctx, dittofsapi.AdapterNFS, dittofsapi.AdapterUpdate{Port: &newPort})
	require.NoError(t, err)
	assert.Equal(t, newPort, moved.Port)
	assert.True(t, moved.Enabled, "fields left nil keep their value")
	nfs, err := c.GetAdapter(ctx, dittofsapi.AdapterNFS)
	require.NoError(t, err)
	assert.Equal(t, newPort, nfs.Port)
	assert.True(t, nfs.Running)
	dfstest.Eventually(t, 10*time.Second, 50*time.Millisecond, func() (bool, string) {
		conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(newPort)), time.Second)
		if err != nil {
			return false, err.Error()
		}
		_ = conn.Close()
		return true, ""
	})

	// Disable SMB: it stops listening; the record stays.
	off, err := c.UpdateAdapter(ctx, dittofsapi.AdapterSMB, dittofsapi.AdapterUpdate{Enabled: ptr(false)})
	require.NoError(t, err)
	assert.False(t, off.Enabled)
	assert.False(t, off.Running)
	assert.Equal(t, srv.SMBPort, off.Port)
	dfstest.Eventually(t, 10*time.Second, 50*time.Millisecond, func() (bool, string) {
		conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(srv.SMBPort)), time.Second)
		if err != nil {
			return true, ""
		}
		_ = conn.Close()
		return false, "SMB port still accepts connections"
	})

	_, err = c.GetAdapter(ctx, "ftp")
	assert.True(t, dittofsapi.IsNotFound(err), "%v", err)

	// --- settings ---
	nfsSettings, err := c.GetNFSSettings(ctx)
	require.NoError(t, err)
	assert.False(t, nfsSettings.PortmapperEnabled, "portmapper is off by default")
	newLease := nfsSettings.LeaseTime + 30
	patched, err := c.PatchNFSSettings(ctx, dittofsapi.NFSSettingsPatch{LeaseTime: &newLease})
	require.NoError(t, err)
	assert.Equal(t, newLease, patched.LeaseTime)
	assert.Equal(t, nfsSettings.GracePeriod, patched.GracePeriod, "unset fields are kept")
	assert.Greater(t, patched.Version, nfsSettings.Version)
	reread, err := c.GetNFSSettings(ctx)
	require.NoError(t, err)
	assert.Equal(t, newLease, reread.LeaseTime)

	_, err = c.PatchNFSSettings(ctx, dittofsapi.NFSSettingsPatch{LeaseTime: ptr(-1)})
	require.Error(t, err)
	assert.True(t, dittofsapi.IsBadRequest(err), "%v", err)
	var ae *dittofsapi.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusUnprocessableEntity, ae.Status)
	assert.Contains(t, ae.Errors, "lease_time")

	smbSettings, err := c.GetSMBSettings(ctx)
	require.NoError(t, err)
	sessions := smbSettings.MaxSessions + 1
	patchedSMB, err := c.PatchSMBSettings(ctx, dittofsapi.SMBSettingsPatch{MaxSessions: &sessions})
	require.NoError(t, err)
	assert.Equal(t, sessions, patchedSMB.MaxSessions)
}

func TestServerGoneIsUnavailable(t *testing.T) {
	t.Parallel()
	srv, c := startAdmin(t, dfstest.Options{})
	ctx := testContext(t)
	_, err := c.ListShares(ctx)
	require.NoError(t, err)

	require.NoError(t, srv.Stop(t))
	_, err = c.ListShares(ctx)
	require.Error(t, err)
	assert.True(t, dittofsapi.IsUnavailable(err), "%v", err)
	assert.False(t, dittofsapi.IsUnauthorized(err))
	_, err = c.Health(ctx)
	assert.True(t, dittofsapi.IsUnavailable(err), "%v", err)
}

func names[T any](items []T, name func(T) string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, name(it))
	}
	return out
}
