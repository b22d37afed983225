package controllers

import (
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// transitionCase is an edit of an existing DittoFS that the CRD must refuse (message set) or
// accept (a near miss). Transition rules compare with the stored object, so they exist only on
// update; each case starts from its own stored object.
type transitionCase struct {
	name    string
	start   func(d *v1alpha1.DittoFS)
	edit    func(d *v1alpha1.DittoFS)
	message string
}

// TestEditsThatWouldStrandDataAreRefused: the edits that would move the server off the data it
// already holds (another control-plane database, an S3 tier detached or repointed under the
// shares) are refused at apply with a message that says what to do instead.
func TestEditsThatWouldStrandDataAreRefused(t *testing.T) {
	ns := newNamespace(t)
	s3 := func(d *v1alpha1.DittoFS) {
		d.Spec.PayloadStore.S3 = &v1alpha1.S3BlockStoreSpec{Bucket: "blocks", Prefix: "media/", Endpoint: "minio.storage:9000",
			Region: "eu-west-1", CredentialsSecretRef: corev1.LocalObjectReference{Name: "s3"}}
	}
	postgres := func(d *v1alpha1.DittoFS) {
		d.Spec.Database = v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres, Postgres: &v1alpha1.PostgresSpec{
			SecretRef: &corev1.LocalObjectReference{Name: "pg"}}}
	}
	const (
		dbMsg      = "database.type cannot change"
		removeMsg  = "payloadStore.s3 cannot be removed"
		repointMsg = "payloadStore.s3 bucket, prefix, endpoint and region cannot change"
	)
	cases := []transitionCase{
		{"SQLite to PostgreSQL", nil, postgres, dbMsg},
		{"PostgreSQL to SQLite", postgres, func(d *v1alpha1.DittoFS) { d.Spec.Database = v1alpha1.DatabaseSpec{Type: v1alpha1.DatabaseSQLite} }, dbMsg},
		{"near miss: another PostgreSQL Secret", postgres, func(d *v1alpha1.DittoFS) { d.Spec.Database.Postgres.SecretRef.Name = "pg-rotated" }, ""},
		{"near miss: another ready timeout", nil, func(d *v1alpha1.DittoFS) { d.Spec.Database.ReadyTimeout = nil }, ""},

		{"S3 removed", s3, func(d *v1alpha1.DittoFS) { d.Spec.PayloadStore.S3 = nil }, removeMsg},
		{"another bucket", s3, func(d *v1alpha1.DittoFS) { d.Spec.PayloadStore.S3.Bucket = "other" }, repointMsg},
		{"another prefix", s3, func(d *v1alpha1.DittoFS) { d.Spec.PayloadStore.S3.Prefix = "" }, repointMsg},
		{"another endpoint", s3, func(d *v1alpha1.DittoFS) { d.Spec.PayloadStore.S3.Endpoint = "s3.example.com" }, repointMsg},
		{"another region", s3, func(d *v1alpha1.DittoFS) { d.Spec.PayloadStore.S3.Region = "" }, repointMsg},
		{"near miss: S3 added later", nil, s3, ""},
		{"near miss: rotated S3 credentials", s3, func(d *v1alpha1.DittoFS) { d.Spec.PayloadStore.S3.CredentialsSecretRef.Name = "s3-v2" }, ""},
		{"near miss: path style and private endpoint", s3, func(d *v1alpha1.DittoFS) {
			d.Spec.PayloadStore.S3.ForcePathStyle, d.Spec.PayloadStore.S3.AllowPrivateEndpoint = true, true
		}, ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newDittoFS(ns, "edit-"+string(rune('a'+i)))
			if tc.start != nil {
				tc.start(d)
			}
			require.NoError(t, k8s.Create(ctx, d))
			d = get(t, ns, d.Name)
			tc.edit(d)
			checkRule(t, ruleCase{name: tc.name, message: tc.message}, k8s.Update(ctx, toUnstructured(t, d, nil), client.DryRunAll))
		})
	}
}
