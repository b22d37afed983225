package percona

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	pgv2 "github.com/percona/percona-postgresql-operator/v2/pkg/apis/pgv2.percona.com/v2"
	crunchyv1beta1 "github.com/percona/percona-postgresql-operator/v2/pkg/apis/postgres-operator.crunchydata.com/v1beta1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// CRVersion is written explicitly: left empty, the Percona operator fills in its own version,
// and a cluster created for 2.9.0 must not silently change behaviour under a newer operator.
// It is also the version whose types and CRD this adapter is built and tested against.
const CRVersion = "2.9.0"

// InstanceSetName is the one instance set of a created cluster.
const InstanceSetName = "instance1"

// Images pinned per PostgreSQL major version: the images Percona released with operator 2.9.0.
var postgresImages = map[int32]string{
	14: "percona/percona-distribution-postgresql:14.22-1",
	15: "percona/percona-distribution-postgresql:15.17-1",
	16: "percona/percona-distribution-postgresql:16.13-1",
	17: "percona/percona-distribution-postgresql:17.9-1",
	18: "percona/percona-distribution-postgresql:18.3-1",
}

// PgBackRestImage is required by the Percona operator even with backups disabled.
const PgBackRestImage = "percona/percona-pgbackrest:2.58.0-1"

// DefaultPostgresVersion applies when the spec leaves it empty.
const DefaultPostgresVersion = 16

// Desired is the PerconaPGCluster a DittoFS with percona.create asks for, with one PostgreSQL
// user and database (see userFor), holding only the fields the DittoFS operator controls;
// everything else is left to the Percona operator and to users. It has no pgBouncer: the server
// pools its own connections and connects to the primary.
func Desired(d *v1alpha1.DittoFS, user string) (*pgv2.PerconaPGCluster, error) {
	pc := d.Spec.Database.Postgres.Percona
	version := pc.PostgresVersion
	if version == 0 {
		version = DefaultPostgresVersion
	}
	image := pc.Images.Postgres
	if image == "" {
		image = postgresImages[version]
	}
	if image == "" {
		return nil, fmt.Errorf("no pinned PostgreSQL image for version %d; set database.postgres.percona.images.postgres", version)
	}
	backrest := pc.Images.PgBackRest
	if backrest == "" {
		backrest = PgBackRestImage
	}
	replicas := pc.Instances
	if replicas < 1 {
		replicas = 1
	}
	size := pc.StorageSize
	if size.IsZero() {
		return nil, fmt.Errorf("database.postgres.percona.storageSize is empty")
	}
	return &pgv2.PerconaPGCluster{
		TypeMeta: metav1.TypeMeta{APIVersion: pgv2.GroupVersion.String(), Kind: GVK.Kind},
		ObjectMeta: metav1.ObjectMeta{
			Name:      specs.PerconaClusterName(d),
			Namespace: d.Namespace,
			Labels:    specs.Labels(d),
			// Not an owner reference: see owner.go.
			Annotations: map[string]string{specs.ManagerUIDAnnotation: string(d.UID)},
		},
		Spec: pgv2.PerconaPGClusterSpec{
			CRVersion:       CRVersion,
			Image:           image,
			PostgresVersion: int(version),
			InstanceSets: pgv2.PGInstanceSets{{
				Name:     InstanceSetName,
				Replicas: ptr.To(replicas),
				DataVolumeClaimSpec: corev1.PersistentVolumeClaimSpec{
					AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					StorageClassName: pc.StorageClassName,
					Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: size}},
				},
			}},
			Users: []crunchyv1beta1.PostgresUserSpec{{
				Name:      crunchyv1beta1.PostgresIdentifier(user),
				Databases: []crunchyv1beta1.PostgresIdentifier{crunchyv1beta1.PostgresIdentifier(user)},
				// Letters and digits only: the password then needs no escaping anywhere.
				Password: &crunchyv1beta1.PostgresPasswordSpec{Type: crunchyv1beta1.PostgresPasswordTypeAlphaNumeric},
			}},
			Backups: pgv2.Backups{
				Enabled:    ptr.To(false),
				PGBackRest: pgv2.PGBackRestArchive{Image: backrest},
			},
		},
	}, nil
}
