package perconatest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/percona"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// pgConnection is what a PostgreSQL connection Secret holds; only its keys reach the pod.
var pgConnection = map[string][]byte{"host": []byte("pg"), "port": []byte("5432"), "dbname": []byte("dittofs"),
	"user": []byte("dittofs"), "password": []byte("not-a-real-password"), "sslmode": []byte("require")}

// TestEveryRenderedObjectIsAccepted: for each DittoFS of the corpus (the samples and
// testdata/corpus, each accepted by the CRD), every object the operator would write for it
// (claims, Secrets, ConfigMap, Services, StatefulSet, a created PerconaPGCluster) is accepted by
// the API server in a server-side dry run, with Kubernetes' and Percona's own validation. A
// builder that renders an invalid object would leave a DittoFS stuck on a write that always fails.
func TestEveryRenderedObjectIsAccepted(t *testing.T) {
	samples, err := filepath.Glob("../../deploy/samples/*.yaml")
	require.NoError(t, err)
	corpus, err := filepath.Glob("testdata/corpus/*.yaml")
	require.NoError(t, err)
	files := append(samples, corpus...)
	require.NotEmpty(t, corpus)

	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ns := newNamespace(t) // the samples share names
			for _, d := range dittofsIn(t, file) {
				d.Namespace = ns
				// Created for real, so the API server applies the CRD's defaults as for a user.
				require.NoError(t, k8s.Create(ctx, d), "the CRD refuses %s", file)
				d = get(t, ns, d.Name)
				for _, obj := range rendered(t, d) {
					err := k8s.Create(ctx, obj, client.DryRunAll)
					require.NoError(t, err, "%T %s rendered for %s", obj, obj.GetName(), file)
				}
			}
		})
	}
}

// dittofsIn is the DittoFS objects of a YAML file of one or more documents (a sample also
// holds the Secrets it needs).
func dittofsIn(t *testing.T, file string) []*v1alpha1.DittoFS {
	t.Helper()
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	var out []*v1alpha1.DittoFS
	for _, doc := range strings.Split(string(raw), "\n---\n") {
		var meta metav1.TypeMeta
		require.NoError(t, yaml.Unmarshal([]byte(doc), &meta))
		if meta.Kind != "DittoFS" {
			continue
		}
		d := &v1alpha1.DittoFS{}
		require.NoError(t, yaml.UnmarshalStrict([]byte(doc), d), file)
		out = append(out, d)
	}
	require.NotEmpty(t, out, "%s holds no DittoFS", file)
	return out
}

// rendered is every object the main steps write for d, built by the same builders.
func rendered(t *testing.T, d *v1alpha1.DittoFS) []client.Object {
	t.Helper()
	var objs []client.Object
	for _, v := range specs.Volumes(d) {
		objs = append(objs, specs.Claim(d, v))
	}
	jwt, err := specs.JWTSecret(d)
	require.NoError(t, err)
	admin, err := specs.AdminSecret(d)
	require.NoError(t, err)
	cfg, err := specs.ServerConfigYAML(d)
	require.NoError(t, err)
	in := specs.PodInputs{ConfigHash: specs.ConfigHash(cfg, jwt.Data, admin.Data)}
	if d.Spec.Database.Type == v1alpha1.DatabasePostgres {
		in.DatabaseEnv = specs.PostgresEnv(specs.PostgresSecretName(d), pgConnection)
	}
	objs = append(objs, jwt, admin, specs.ConfigMap(d, cfg), specs.StatefulSet(d, in), specs.APIService(d), specs.DataService(d))
	if p := d.Spec.Database.Postgres; p != nil && p.Percona != nil && p.Percona.Create {
		cluster, err := percona.Desired(d, specs.PerconaUser(d))
		require.NoError(t, err)
		objs = append(objs, cluster)
	}
	return objs
}
