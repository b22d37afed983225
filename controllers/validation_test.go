package controllers

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// TestBadInputIsRejectedByTheAPIServer checks the CRD's CEL rules and schema with the real API
// server: each bad spec is refused at apply time with a message that says what to do.
func TestBadInputIsRejectedByTheAPIServer(t *testing.T) {
	ns := newNamespace(t)
	cases := []struct {
		name    string
		mutate  func(d *v1alpha1.DittoFS)
		message string
	}{
		{"latest tag", func(d *v1alpha1.DittoFS) { d.Spec.Image = "marmos91c/dittofs:latest" }, "pinned version"},
		{"untagged image", func(d *v1alpha1.DittoFS) { d.Spec.Image = "marmos91c/dittofs" }, "pinned version"},
		{"no adapter", func(d *v1alpha1.DittoFS) {
			d.Spec.Adapters.NFS = v1alpha1.NFSAdapterSpec{Enabled: ptrTo(false)}
			d.Spec.Adapters.SMB = v1alpha1.SMBAdapterSpec{}
		}, "enable at least one adapter"},
		{"postgres without source", func(d *v1alpha1.DittoFS) { d.Spec.Database.Type = v1alpha1.DatabasePostgres }, "database.postgres is required"},
		{"postgres with two sources", func(d *v1alpha1.DittoFS) {
			d.Spec.Database = v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres, Postgres: &v1alpha1.PostgresSpec{
				Percona:   &v1alpha1.PerconaSpec{Create: true},
				SecretRef: &corev1.LocalObjectReference{Name: "pg"},
			}}
		}, "exactly one of percona or secretRef"},
		{"share without slash", func(d *v1alpha1.DittoFS) { d.Spec.Shares = []v1alpha1.ShareSpec{{Name: "media"}} }, "spec.shares[0].name"},
		{"permission with user and group", func(d *v1alpha1.DittoFS) {
			d.Spec.Shares = []v1alpha1.ShareSpec{{Name: "/m", Permissions: []v1alpha1.SharePermission{{User: "a", Group: "b", Level: "read"}}}}
		}, "exactly one of user or group"},
		{"name too long", func(d *v1alpha1.DittoFS) { d.Name = strings.Repeat("a", 46) }, "at most 45 characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newDittoFS(ns, "bad")
			tc.mutate(d)
			err := k8s.Create(ctx, d)
			require.Error(t, err, "the API server must refuse it")
			assert.Contains(t, err.Error(), tc.message)
		})
	}
}

// TestVolumesCannotShrink: a smaller size is refused when applied, so no data can be lost to it.
func TestVolumesCannotShrink(t *testing.T) {
	ns := newNamespace(t)
	d := newDittoFS(ns, "shrink")
	require.NoError(t, k8s.Create(ctx, d))
	d = get(t, ns, "shrink")
	d.Spec.Storage.Payload.Size = resourceMust("1Gi")
	err := k8s.Update(ctx, d)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot shrink")

	d = get(t, ns, "shrink")
	d.Spec.Storage.Payload.Size = resourceMust("11Gi")
	assert.NoError(t, k8s.Update(ctx, d), "growing is allowed")
}
