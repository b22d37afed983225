package nfsclient_test

import (
	"context"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi/dfstest"
	"github.com/dittofs/dittofs-operator/internal/nfsclient"
)

// TestFilesRoundTripOverNFS writes, replaces, reads and removes files on a real dfs, and is
// refused a share that is offline.
func TestFilesRoundTripOverNFS(t *testing.T) {
	srv := dfstest.Start(t, dfstest.Options{})
	api, err := dittofsapi.New(srv.BaseURL, dittofsapi.WithCredentials(dfstest.AdminUser, srv.AdminPassword))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = api.CreateMetadataStore(ctx, "meta", dittofsapi.BadgerMetadataConfig{Path: filepath.Join(srv.DataDir, "meta")})
	require.NoError(t, err)
	_, err = api.CreateLocalBlockStore(ctx, "blocks", dittofsapi.FSLocalBlockConfig{Path: filepath.Join(srv.DataDir, "blocks")})
	require.NoError(t, err)
	_, err = api.CreateShare(ctx, dittofsapi.CreateShareRequest{Name: "/data", MetadataStore: "meta", LocalBlockStore: "blocks",
		DefaultPermission: dittofsapi.PermissionReadWrite})
	require.NoError(t, err)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(srv.NFSPort))

	require.NoError(t, nfsclient.WriteFile(ctx, addr, "/data", "a.txt", []byte("one")))
	got, err := nfsclient.ReadFile(ctx, addr, "/data", "a.txt")
	require.NoError(t, err)
	assert.Equal(t, "one", string(got))
	assert.Error(t, nfsclient.WriteFile(ctx, addr, "/data", "a.txt", []byte("two")), "WriteFile never overwrites")

	require.NoError(t, nfsclient.ReplaceFile(ctx, addr, "/data", "a.txt", []byte("two")))
	got, err = nfsclient.ReadFile(ctx, addr, "/data", "a.txt")
	require.NoError(t, err)
	assert.Equal(t, "two", string(got))

	require.NoError(t, nfsclient.RemoveFile(ctx, addr, "/data", "a.txt"))
	_, err = nfsclient.ReadFile(ctx, addr, "/data", "a.txt")
	assert.ErrorIs(t, err, nfsclient.ErrNoEnt)
	assert.ErrorIs(t, nfsclient.RemoveFile(ctx, addr, "/data", "a.txt"), nfsclient.ErrNoEnt)

	_, err = api.DisableShare(ctx, "/data")
	require.NoError(t, err)
	_, err = nfsclient.ReadFile(ctx, addr, "/data", "a.txt")
	assert.ErrorIs(t, err, nfsclient.ErrMountRefused, "a disabled share cannot be mounted")
}
