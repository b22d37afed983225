package nfsprobe_test

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi/dfstest"
	"github.com/dittofs/dittofs-operator/internal/nfsprobe"
)

// TestExportsFromRealServer reads the export list of a real dfs over the wire, before and after
// shares are created, enabled and disabled through its API.
func TestExportsFromRealServer(t *testing.T) {
	srv := dfstest.Start(t, dfstest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	api, err := dittofsapi.New(srv.BaseURL, dittofsapi.WithCredentials(dfstest.AdminUser, srv.AdminPassword))
	require.NoError(t, err)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(srv.NFSPort))

	exports, err := nfsprobe.Exports(ctx, addr)
	require.NoError(t, err)
	assert.Empty(t, exports, "a new server exports nothing")

	_, err = api.CreateMetadataStore(ctx, "m", dittofsapi.MemoryMetadataConfig{})
	require.NoError(t, err)
	_, err = api.CreateLocalBlockStore(ctx, "b", dittofsapi.MemoryLocalBlockConfig{})
	require.NoError(t, err)
	for _, name := range []string{"/alpha", "/beta"} {
		_, err = api.CreateShare(ctx, dittofsapi.CreateShareRequest{Name: name, MetadataStore: "m", LocalBlockStore: "b"})
		require.NoError(t, err)
	}
	exports, err = nfsprobe.Exports(ctx, addr)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"/alpha", "/beta"}, nfsprobe.Dirs(exports))

	for _, dir := range []string{"/alpha", "/beta"} {
		st, err := nfsprobe.Mount(ctx, addr, dir)
		require.NoError(t, err)
		assert.Equal(t, uint32(nfsprobe.MountOK), st, dir)
	}
	st, err := nfsprobe.Mount(ctx, addr, "/nope")
	require.NoError(t, err)
	assert.Equal(t, uint32(nfsprobe.MountErrNoEnt), st)

	// A disabled share stays in v0.29's EXPORT list, but MNT refuses it.
	_, err = api.DisableShare(ctx, "/beta")
	require.NoError(t, err)
	exports, err = nfsprobe.Exports(ctx, addr)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"/alpha", "/beta"}, nfsprobe.Dirs(exports))
	st, err = nfsprobe.Mount(ctx, addr, "/beta")
	require.NoError(t, err)
	assert.Equal(t, uint32(nfsprobe.MountErrAccess), st, "MNT of a disabled share")
	st, err = nfsprobe.Mount(ctx, addr, "/alpha")
	require.NoError(t, err)
	assert.Equal(t, uint32(nfsprobe.MountOK), st)
}

func TestExportsNothingListening(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	_, err = nfsprobe.Exports(context.Background(), addr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "dial")
}

// The codec against hand-built bytes: record marking split over two fragments, an accepted reply,
// and an export list with groups.
func TestCodec(t *testing.T) {
	call := nfsprobe.Call(7, nfsprobe.MountProgram, 3, nfsprobe.ProcExport)
	assert.Len(t, call, 44)
	assert.Equal(t, []byte{0x80, 0, 0, 40, 0, 0, 0, 7}, call[:8])

	word := func(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }
	str := func(s string) []byte {
		b := append(word(uint32(len(s))), s...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	var reply []byte
	for _, p := range [][]byte{word(7), word(1), word(0), word(0), word(0), word(0), // xid, REPLY, ACCEPTED, verf, SUCCESS
		word(1), str("/a"), word(1), str("admins"), word(0), word(1), str("/bcde"), word(0), word(0)} {
		reply = append(reply, p...)
	}
	var wire []byte
	wire = append(wire, word(uint32(10))...)
	wire = append(wire, reply[:10]...)
	wire = append(wire, word(uint32(len(reply)-10)|1<<31)...)
	wire = append(wire, reply[10:]...)
	rec, err := nfsprobe.ReadRecord(bytes.NewReader(wire))
	require.NoError(t, err)
	assert.Equal(t, reply, rec)
	body, err := nfsprobe.AcceptedBody(rec, 7)
	require.NoError(t, err)
	exports, err := nfsprobe.DecodeExports(body)
	require.NoError(t, err)
	assert.Equal(t, []nfsprobe.Export{{Dir: "/a", Groups: []string{"admins"}}, {Dir: "/bcde"}}, exports)

	_, err = nfsprobe.AcceptedBody(rec, 8)
	assert.Error(t, err, "wrong xid")
	_, err = nfsprobe.DecodeExports(body[:6])
	assert.Error(t, err, "truncated")
}
