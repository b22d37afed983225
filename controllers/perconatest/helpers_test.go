package perconatest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/internal/testenv"
)

var ctx = context.Background()

const timeout = 20 * time.Second

func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	testenv.Eventually(t, timeout, what, check)
}

func newNamespace(t *testing.T) string {
	t.Helper()
	return play.NewNamespace(t, "pg-")
}

// onPercona is a DittoFS whose control plane is in a Percona cluster it creates (ref "") or
// references.
func onPercona(ns, name, ref string) *v1alpha1.DittoFS {
	pc := &v1alpha1.PerconaSpec{Create: ref == ""}
	if ref != "" {
		pc.ClusterRef = &corev1.LocalObjectReference{Name: ref}
	}
	return &v1alpha1.DittoFS{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.DittoFSSpec{
			Service:  v1alpha1.ServiceSpec{Type: "ClusterIP"},
			Database: v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres, Postgres: &v1alpha1.PostgresSpec{Percona: pc}},
		},
	}
}

func get(t *testing.T, ns, name string) *v1alpha1.DittoFS {
	t.Helper()
	return play.Get(t, ns, name)
}

// waitFor waits until the DittoFS is in phase with the condition carrying reason.
func waitFor(t *testing.T, d *v1alpha1.DittoFS, phase v1alpha1.Phase, condType, reason string) *v1alpha1.DittoFS {
	t.Helper()
	return play.WaitFor(t, d.Namespace, d.Name, phase, condType, reason)
}

// dbCondition is DatabaseReady, or an empty condition before the first status.
func dbCondition(d *v1alpha1.DittoFS) metav1.Condition {
	if c := meta.FindStatusCondition(d.Status.Conditions, v1alpha1.ConditionDatabaseReady); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// bindClaims plays the volume provisioner.
func bindClaims(t *testing.T, d *v1alpha1.DittoFS) {
	t.Helper()
	play.BindClaims(t, d)
}

func statefulSet(t *testing.T, d *v1alpha1.DittoFS) *appsv1.StatefulSet {
	t.Helper()
	return play.StatefulSet(t, d)
}

// setPodReady plays the StatefulSet controller and the kubelet: the pod is ready on the current spec.
func setPodReady(t *testing.T, d *v1alpha1.DittoFS) {
	t.Helper()
	play.SetPodReady(t, d, true)
}

func configHash(t *testing.T, d *v1alpha1.DittoFS) string {
	t.Helper()
	return play.ConfigHash(t, d)
}

// The tests read and write PerconaPGClusters as unstructured objects: they see exactly what the
// API server stores (no typed round trip that could hide a field), and Percona's Go types stay in
// internal/percona.

var clusterGVK = schema.GroupVersionKind{Group: "pgv2.percona.com", Version: "v2", Kind: "PerconaPGCluster"}

func newClusterObject() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(clusterGVK)
	return u
}

// cluster waits for the PerconaPGCluster to exist and returns it.
func cluster(t *testing.T, ns, name string) *unstructured.Unstructured {
	t.Helper()
	pg := newClusterObject()
	eventually(t, "PerconaPGCluster "+name, func() error {
		return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, pg)
	})
	return pg
}

// clusterGone reports whether the cluster no longer exists.
func clusterGone(ns, name string) (bool, error) {
	err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, newClusterObject())
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	return false, err
}

// newCluster is a PerconaPGCluster someone else made (for clusterRef), with the given users.
func newCluster(t *testing.T, ns, name string, users ...string) *unstructured.Unstructured {
	t.Helper()
	doc := fmt.Sprintf(`
apiVersion: pgv2.percona.com/v2
kind: PerconaPGCluster
metadata: {name: %s, namespace: %s}
spec:
  crVersion: 2.9.0
  image: percona/percona-distribution-postgresql:17.9-1
  postgresVersion: 17
  instances:
  - name: instance1
    replicas: 1
    dataVolumeClaimSpec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
  backups:
    enabled: false
    pgbackrest: {image: percona/percona-pgbackrest:2.58.0-1}
`, name, ns)
	u := &unstructured.Unstructured{}
	require.NoError(t, yaml.Unmarshal([]byte(doc), &u.Object))
	if len(users) > 0 {
		var list []any
		for _, user := range users {
			list = append(list, map[string]any{"name": user, "databases": []any{user}})
		}
		require.NoError(t, unstructured.SetNestedSlice(u.Object, list, "spec", "users"))
	}
	return u
}

// setClusterStatus plays the Percona operator reporting on a cluster.
func setClusterStatus(t *testing.T, ns, name, state string, size, ready int64) {
	t.Helper()
	eventually(t, "PerconaPGCluster status update", func() error {
		pg := cluster(t, ns, name)
		status := map[string]any{
			"state":    state,
			"host":     name + "-primary." + ns + ".svc",
			"postgres": map[string]any{"size": size, "ready": ready},
		}
		if err := unstructured.SetNestedMap(pg.Object, status, "status"); err != nil {
			return err
		}
		return k8s.Status().Update(ctx, pg)
	})
}

// userSecret is the Secret the Percona operator writes for a user: the keys it really has
// (pgBouncer's only when the cluster has one, which a created cluster does not).
func userSecret(ns, cluster, user, password string, drop ...string) *corev1.Secret {
	host := cluster + "-primary." + ns + ".svc"
	data := map[string][]byte{
		"host": []byte(host), "port": []byte("5432"), "user": []byte(user), "password": []byte(password),
		"dbname": []byte(user), "verifier": []byte("SCRAM-SHA-256$4096:" + password),
		"uri":      []byte(fmt.Sprintf("postgresql://%s:%s@%s:5432/%s", user, password, host, user)),
		"jdbc-uri": []byte(fmt.Sprintf("jdbc:postgresql://%s:5432/%s?user=%s", host, user, user)),
	}
	for _, k := range drop {
		delete(data, k)
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: specs.PerconaUserSecretName(cluster, user),
			Labels: map[string]string{"postgres-operator.crunchydata.com/cluster": cluster, "postgres-operator.crunchydata.com/pguser": user}},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}
}

// str and num read a field of an unstructured object ("" or 0 when absent).
func str(u *unstructured.Unstructured, path ...string) string {
	v, _, _ := unstructured.NestedFieldNoCopy(u.Object, path...)
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// instanceSet returns the named instance set of a cluster.
func instanceSet(t *testing.T, pg *unstructured.Unstructured, name string) *unstructured.Unstructured {
	t.Helper()
	sets, _, _ := unstructured.NestedSlice(pg.Object, "spec", "instances")
	for _, s := range sets {
		if m, ok := s.(map[string]any); ok && m["name"] == name {
			return &unstructured.Unstructured{Object: m}
		}
	}
	t.Fatalf("PerconaPGCluster %s has no instance set %s: %v", pg.GetName(), name, sets)
	return nil
}

// managedBy says why obj is not a created cluster managed by the DittoFS the way the garbage
// collector can never act on (labels and the manager's UID, no owner reference), or "".
func managedBy(obj metav1.Object, d *v1alpha1.DittoFS) string {
	switch {
	case len(obj.GetOwnerReferences()) > 0:
		return fmt.Sprintf("owner references %v", obj.GetOwnerReferences())
	case !specs.LabelledFor(d, obj.GetLabels()):
		return fmt.Sprintf("labels %v", obj.GetLabels())
	case obj.GetAnnotations()[specs.ManagerUIDAnnotation] != string(d.UID):
		return fmt.Sprintf("%s %q, want %q", specs.ManagerUIDAnnotation, obj.GetAnnotations()[specs.ManagerUIDAnnotation], d.UID)
	}
	return ""
}

// settle waits until the operator has gone a second without finishing a reconcile.
func settle(t *testing.T) {
	t.Helper()
	last, quiet := reconciles(t), 0
	eventually(t, "the operator to go quiet", func() error {
		now := reconciles(t)
		if now != last {
			last, quiet = now, 0
			return fmt.Errorf("still reconciling")
		}
		if quiet++; quiet < 20 {
			return fmt.Errorf("quiet for %d polls", quiet)
		}
		return nil
	})
}

// poke changes an annotation on the DittoFS n times, each time waiting for a reconcile, so the
// operator reconciles an object that has not changed.
func poke(t *testing.T, d *v1alpha1.DittoFS, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		before := reconciles(t)
		eventually(t, "annotate the DittoFS", func() error {
			live := get(t, d.Namespace, d.Name)
			if live.Annotations == nil {
				live.Annotations = map[string]string{}
			}
			live.Annotations["test/poke"] = fmt.Sprint(time.Now().UnixNano())
			return k8s.Update(ctx, live)
		})
		eventually(t, "a reconcile after the poke", func() error {
			if reconciles(t) <= before {
				return fmt.Errorf("no reconcile yet")
			}
			return nil
		})
	}
}

// unstructuredAppendUser declares one more user in a cluster's spec.users.
func unstructuredAppendUser(pg *unstructured.Unstructured, user string) error {
	users, _, err := unstructured.NestedSlice(pg.Object, "spec", "users")
	if err != nil {
		return err
	}
	users = append(users, map[string]any{"name": user, "databases": []any{user}})
	return unstructured.SetNestedSlice(pg.Object, users, "spec", "users")
}

// createBound creates the DittoFS and binds its claims.
func createBound(t testing.TB, d *v1alpha1.DittoFS) *v1alpha1.DittoFS {
	t.Helper()
	return play.CreateBound(t, d)
}
