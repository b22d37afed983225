package controllers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

// TestPostgresRulesAreEnforced: the CRD refuses PostgreSQL settings the operator or the Percona
// cluster could not follow, on create and on update, with a message that says why.
func TestPostgresRulesAreEnforced(t *testing.T) {
	ns := newNamespace(t)
	percona := func(p v1alpha1.PerconaSpec) *v1alpha1.DittoFS {
		d := newDittoFS(ns, "rules")
		d.Spec.Database = v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres, Postgres: &v1alpha1.PostgresSpec{Percona: &p}}
		return d
	}
	for _, tc := range []struct {
		name    string
		d       *v1alpha1.DittoFS
		message string
	}{
		{"neither create nor clusterRef", percona(v1alpha1.PerconaSpec{}), "either create: true or clusterRef"},
		{"both create and clusterRef", percona(v1alpha1.PerconaSpec{Create: true, ClusterRef: &corev1.LocalObjectReference{Name: "x"}}), "either create: true or clusterRef"},
		{"user Percona cannot name", percona(v1alpha1.PerconaSpec{Create: true, User: "ditto_fs"}), "spec.database.postgres.percona.user"},
		{"latest image", percona(v1alpha1.PerconaSpec{Create: true, Images: v1alpha1.PerconaImages{Postgres: "percona/pg:latest"}}), "pinned version"},
		{"PostgreSQL without an image in Percona 2.9.0", percona(v1alpha1.PerconaSpec{Create: true, PostgresVersion: 13}), "postgresVersion"},
		{"postgres metadata on SQLite", func() *v1alpha1.DittoFS {
			d := newDittoFS(ns, "rules")
			d.Spec.MetadataStore.Type = v1alpha1.MetadataStorePostgres
			return d
		}(), "set database.type to postgres"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := k8s.Create(ctx, tc.d)
			require.Error(t, err, "the API server must refuse it")
			assert.Contains(t, err.Error(), tc.message)
		})
	}

	// A referenced cluster is accepted without create (the rule must not read an absent field).
	ref := percona(v1alpha1.PerconaSpec{ClusterRef: &corev1.LocalObjectReference{Name: "shared"}})
	ref.Name = "ref"
	require.NoError(t, k8s.Create(ctx, ref))

	require.NoError(t, k8s.Create(ctx, percona(v1alpha1.PerconaSpec{Create: true})))
	for _, tc := range []struct {
		name    string
		mutate  func(p *v1alpha1.PerconaSpec)
		message string
	}{
		{"shrink", func(p *v1alpha1.PerconaSpec) { p.StorageSize = resourceMust("1Gi") }, "cannot shrink"},
		{"major upgrade", func(p *v1alpha1.PerconaSpec) { p.PostgresVersion = 17 }, "PerconaPGUpgrade"},
		{"storage class after creation", func(p *v1alpha1.PerconaSpec) { p.StorageClassName = ptrTo("fast") }, "storageClassName cannot change"},
		{"created to referenced", func(p *v1alpha1.PerconaSpec) {
			p.Create, p.ClusterRef = false, &corev1.LocalObjectReference{Name: "other"}
		}, "create cannot change"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live := get(t, ns, "rules")
			tc.mutate(live.Spec.Database.Postgres.Percona)
			err := k8s.Update(ctx, live)
			require.Error(t, err, "the API server must refuse it")
			assert.Contains(t, err.Error(), tc.message)
		})
	}
	live := get(t, ns, "rules")
	live.Spec.Database.Postgres.Percona.StorageSize = resourceMust("20Gi")
	live.Spec.Database.Postgres.Percona.Instances = 3
	assert.NoError(t, k8s.Update(ctx, live), "growing and scaling are allowed")
}

// TestPostgresSamplesAreValid: the PostgreSQL samples pass the API server's schema and rules.
func TestPostgresSamplesAreValid(t *testing.T) {
	ns := newNamespace(t)
	root, err := toolchain.RepoRoot()
	require.NoError(t, err)
	for _, name := range []string{"dittofs-percona.yaml", "dittofs-postgres-external.yaml"} {
		raw, err := os.ReadFile(filepath.Join(root, "deploy", "samples", name))
		require.NoError(t, err)
		docs := strings.Split(string(raw), "\n---\n")
		for i, doc := range docs {
			u := &unstructured.Unstructured{}
			require.NoError(t, yaml.Unmarshal([]byte(doc), &u.Object), "%s document %d", name, i)
			u.SetNamespace(ns)
			require.NoError(t, k8s.Create(ctx, u, client.DryRunAll), "%s document %d (%s)", name, i, u.GetKind())
		}
	}
}
