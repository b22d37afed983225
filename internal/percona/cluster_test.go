package percona

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	pgv2 "github.com/percona/percona-postgresql-operator/v2/pkg/apis/pgv2.percona.com/v2"
	crunchyv1beta1 "github.com/percona/percona-postgresql-operator/v2/pkg/apis/postgres-operator.crunchydata.com/v1beta1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// created is a DittoFS asking for a Percona cluster, as the API server stores it (defaults set).
func created() *v1alpha1.DittoFS {
	return &v1alpha1.DittoFS{
		ObjectMeta: metav1.ObjectMeta{Name: "media", Namespace: "storage", UID: "uid-1"},
		Spec: v1alpha1.DittoFSSpec{Database: v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres, Postgres: &v1alpha1.PostgresSpec{
			SSLMode: "require",
			Percona: &v1alpha1.PerconaSpec{Create: true, User: "dittofs", Instances: 2, StorageSize: resource.MustParse("20Gi"),
				StorageClassName: ptr.To("fast"), PostgresVersion: 17},
		}}},
	}
}

// TestApplyPayloadHoldsOnlyControlledFields pins the exact body of the server-side apply: every
// field in it is owned by the operator, so anything else here would be taken from the Percona
// operator or from users.
func TestApplyPayloadHoldsOnlyControlledFields(t *testing.T) {
	desired, err := Desired(created(), "dittofs")
	require.NoError(t, err)
	payload, hash, err := applyPayload(desired)
	require.NoError(t, err)
	got, err := yaml.Marshal(payload.Object)
	require.NoError(t, err)
	assert.YAMLEq(t, `
apiVersion: pgv2.percona.com/v2
kind: PerconaPGCluster
metadata:
  name: media-pg
  namespace: storage
  labels: {app.kubernetes.io/instance: media, app.kubernetes.io/managed-by: dittofs-operator, app.kubernetes.io/name: dittofs}
  annotations: {dittofs.io/spec-hash: `+hash+`, dittofs.io/manager-uid: uid-1}
spec:
  crVersion: 2.9.0
  image: percona/percona-distribution-postgresql:17.9-1
  postgresVersion: 17
  instances:
  - name: instance1
    replicas: 2
    dataVolumeClaimSpec:
      accessModes: [ReadWriteOnce]
      storageClassName: fast
      resources: {requests: {storage: 20Gi}}
  users:
  - name: dittofs
    databases: [dittofs]
    password: {type: AlphaNumeric}
  backups:
    enabled: false
    pgbackrest: {image: percona/percona-pgbackrest:2.58.0-1}
`, string(got))
}

func TestApplyHashFollowsControlledFields(t *testing.T) {
	hashOf := func(d *v1alpha1.DittoFS) string {
		desired, err := Desired(d, "dittofs")
		require.NoError(t, err)
		_, h, err := applyPayload(desired)
		require.NoError(t, err)
		return h
	}
	base := hashOf(created())
	assert.Equal(t, base, hashOf(created()), "deterministic: a converged cluster is not written again")
	bigger := created()
	bigger.Spec.Database.Postgres.Percona.StorageSize = resource.MustParse("30Gi")
	assert.NotEqual(t, base, hashOf(bigger))
	unrelated := created()
	unrelated.Spec.Logging.Level = "DEBUG"
	unrelated.Spec.Storage.DeletionPolicy = v1alpha1.DeletionPolicyDelete
	assert.Equal(t, base, hashOf(unrelated), "what the cluster does not carry must not rewrite it")
}

func TestDesiredPinsEveryImage(t *testing.T) {
	for v := int32(14); v <= 18; v++ {
		d := created()
		d.Spec.Database.Postgres.Percona.PostgresVersion = v
		pg, err := Desired(d, "dittofs")
		require.NoError(t, err, "version %d", v)
		for _, image := range []string{pg.Spec.Image, pg.Spec.Backups.PGBackRest.Image} {
			assert.Regexp(t, `^percona/[a-z-]+:\d+\.\d+(\.\d+)?-\d+$`, image, "version %d", v)
		}
		assert.Contains(t, pg.Spec.Image, ":"+strconv.Itoa(int(v))+".")
	}
	d := created()
	d.Spec.Database.Postgres.Percona.Images = v1alpha1.PerconaImages{Postgres: "registry.local/pg:17.1", PgBackRest: "registry.local/br:2"}
	pg, err := Desired(d, "dittofs")
	require.NoError(t, err)
	assert.Equal(t, "registry.local/pg:17.1", pg.Spec.Image)
	assert.Equal(t, "registry.local/br:2", pg.Spec.Backups.PGBackRest.Image)

	d.Spec.Database.Postgres.Percona.PostgresVersion = 13
	d.Spec.Database.Postgres.Percona.Images = v1alpha1.PerconaImages{}
	_, err = Desired(d, "dittofs")
	assert.ErrorContains(t, err, "no pinned PostgreSQL image for version 13")
}

func TestKeepLargerVolume(t *testing.T) {
	desired, err := Desired(created(), "dittofs")
	require.NoError(t, err)
	live := desired.DeepCopy()
	live.Spec.InstanceSets[0].DataVolumeClaimSpec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("50Gi")
	keepLargerVolume(desired, live)
	got := desired.Spec.InstanceSets[0].DataVolumeClaimSpec.Resources.Requests[corev1.ResourceStorage]
	assert.Equal(t, "50Gi", got.String(), "a volume grown by hand is never asked to shrink")

	live.Spec.InstanceSets[0].DataVolumeClaimSpec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("1Gi")
	keepLargerVolume(desired, live)
	got = desired.Spec.InstanceSets[0].DataVolumeClaimSpec.Resources.Requests[corev1.ResourceStorage]
	assert.Equal(t, "50Gi", got.String())
}

func TestPrune(t *testing.T) {
	in := map[string]any{
		"keep":  map[string]any{"b": false, "n": float64(0), "s": "x"},
		"gone":  map[string]any{"a": nil, "b": "", "c": []any{}, "d": map[string]any{"e": nil}},
		"list":  []any{map[string]any{}, "", "v"},
		"empty": []any{nil},
	}
	out, empty := prune(in)
	assert.False(t, empty)
	assert.Equal(t, map[string]any{"keep": map[string]any{"b": false, "n": float64(0), "s": "x"}, "list": []any{"v"}}, out)
}

func TestUsableAndUserSecret(t *testing.T) {
	c := observe(&pgv2.PerconaPGCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "shared"},
		Status:     pgv2.PerconaPGClusterStatus{State: pgv2.AppStateReady, Postgres: pgv2.PostgresStatus{Size: 1, Ready: 1}},
	})
	assert.True(t, c.Usable())
	c.Size = 0
	assert.False(t, c.Usable(), "ready with no instance is not usable")
	c.Size, c.State = 1, StateInitializing
	assert.False(t, c.Usable())

	secret, problem := c.UserSecret("shared")
	assert.Equal(t, "shared-pguser-shared", secret, "no spec.users: Percona makes a user named after the cluster")
	assert.Empty(t, problem)
	_, problem = c.UserSecret("dittofs")
	assert.Contains(t, problem, "declares no spec.users")

	c.users = map[string]string{"dittofs": "", "other": "custom-name"}
	secret, problem = c.UserSecret("dittofs")
	assert.Equal(t, "shared-pguser-dittofs", secret)
	assert.Empty(t, problem)
	_, problem = c.UserSecret("missing")
	assert.Contains(t, problem, `does not declare user "missing"`)
	_, problem = c.UserSecret("other")
	assert.Contains(t, problem, "custom secretName custom-name")
}

func TestNotOwnedBy(t *testing.T) {
	d := created()
	desired, err := Desired(d, "dittofs")
	require.NoError(t, err)
	assert.Empty(t, notOwnedBy(d, desired), "labelled for this DittoFS, no controller: adopt (Retain kept it)")

	foreign := desired.DeepCopy()
	foreign.Labels = nil
	assert.Contains(t, notOwnedBy(d, foreign), "was not created for this DittoFS")

	other := desired.DeepCopy()
	other.OwnerReferences = []metav1.OwnerReference{{Kind: "Thing", Name: "x", UID: "uid-2", Controller: ptr.To(true)}}
	assert.Contains(t, notOwnedBy(d, other), "controlled by Thing x")
}

func TestManagedBy(t *testing.T) {
	d := created()
	desired, err := Desired(d, "dittofs")
	require.NoError(t, err)
	assert.Empty(t, desired.OwnerReferences, "the garbage collector must never be able to take the database")
	assert.True(t, managedBy(d, desired))

	earlier := desired.DeepCopy()
	earlier.Annotations[specs.ManagerUIDAnnotation] = "uid-of-an-earlier-dittofs"
	assert.False(t, managedBy(d, earlier), "made for an earlier DittoFS of the same name: adopted, but not this one's to delete")

	legacy := desired.DeepCopy()
	delete(legacy.Annotations, specs.ManagerUIDAnnotation)
	legacy.OwnerReferences = []metav1.OwnerReference{{Kind: "DittoFS", Name: d.Name, UID: d.UID, Controller: ptr.To(true)}}
	assert.True(t, managedBy(d, legacy), "made by an operator version that set owner references")

	foreign := desired.DeepCopy()
	foreign.Labels = map[string]string{specs.InstanceLabel: "other", specs.ManagedByLabel: specs.ManagedBy}
	assert.False(t, managedBy(d, foreign), "labelled for another DittoFS")
}

func TestUserFor(t *testing.T) {
	d := created()
	d.Spec.Database.Postgres.Percona.User = ""
	assert.Equal(t, "dittofs-media", userFor(d, nil), "a new cluster: one user and database per DittoFS")

	withUsers := func(names ...string) *pgv2.PerconaPGCluster {
		pg := &pgv2.PerconaPGCluster{}
		for _, n := range names {
			pg.Spec.Users = append(pg.Spec.Users, crunchyv1beta1.PostgresUserSpec{Name: crunchyv1beta1.PostgresIdentifier(n)})
		}
		return pg
	}
	assert.Equal(t, "dittofs", userFor(d, withUsers("dittofs")),
		"a cluster kept from before per-DittoFS users keeps its database: the server must not start on an empty one")
	assert.Equal(t, "dittofs-media", userFor(d, withUsers("dittofs-media")))
	assert.Equal(t, "dittofs-media", userFor(d, withUsers("dittofs", "dittofs-media")), "already moved: stay")

	d.Spec.Database.Postgres.Percona.User = "files"
	assert.Equal(t, "files", userFor(d, withUsers("dittofs")), "the spec's user wins")
}

func TestObserveCreatedFor(t *testing.T) {
	desired, err := Desired(created(), "dittofs")
	require.NoError(t, err)
	assert.Equal(t, "media", observe(desired).CreatedFor)
	desired.Labels = map[string]string{specs.InstanceLabel: "media"}
	assert.Empty(t, observe(desired).CreatedFor, "without the managed-by label it is someone else's")
}
