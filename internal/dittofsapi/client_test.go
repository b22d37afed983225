package dittofsapi

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRejectsUnusableBaseURLs(t *testing.T) {
	for _, bad := range []string{"", "dittofs:8080", "ftp://host", "http://", "http://host/?x=1", "://x"} {
		_, err := New(bad)
		assert.Error(t, err, "%q", bad)
	}
	c, err := New("http://dittofs.ns.svc:8080/")
	require.NoError(t, err)
	assert.Equal(t, "http://dittofs.ns.svc:8080", c.BaseURL())
}

func TestShareNamesBecomeOnePathSegment(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"/export", "/api/v1/shares/export/snapshots"},
		{"export", "/api/v1/shares/export/snapshots"},
		{"//export", "/api/v1/shares/export/snapshots"},
		{"/team/docs", "/api/v1/shares/team%2Fdocs/snapshots"},
		{"/a b%", "/api/v1/shares/a%20b%25/snapshots"},
	} {
		got, err := sharePath(tc.name, "snapshots")
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, tc.name)
	}
	_, err := sharePath("/", "snapshots")
	assert.Error(t, err, "the root is not a share name")

	assert.Equal(t, "/export", NormalizeShareName("export"))
	assert.Equal(t, "/export", NormalizeShareName("//export"))
	assert.Equal(t, "/team/docs", NormalizeShareName("/team/docs"))
}

func TestStoreConfigTravelsAsAJSONString(t *testing.T) {
	conf, err := configString(BadgerMetadataConfig{Path: "/data/meta"})
	require.NoError(t, err)
	body, err := json.Marshal(createStoreBody{Name: "meta", Type: "badger", Config: conf})
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"meta","type":"badger","config":"{\"path\":\"/data/meta\"}"}`, string(body))

	conf, err = configString(MemoryMetadataConfig{})
	require.NoError(t, err)
	assert.Equal(t, "{}", conf)
}

func TestPermissionLevels(t *testing.T) {
	for _, ok := range []PermissionLevel{PermissionNone, PermissionRead, PermissionReadWrite, PermissionAdmin} {
		assert.True(t, ok.Valid(), ok)
	}
	for _, bad := range []PermissionLevel{"", "write", "rw", "READ"} {
		assert.False(t, bad.Valid(), bad)
	}
}
