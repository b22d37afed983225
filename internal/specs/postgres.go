package specs

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// Keys of a PostgreSQL connection Secret. A Percona user Secret (<cluster>-pguser-<user>) and a
// Secret named by database.postgres.secretRef share them. A Percona Secret of a cluster with
// pgBouncer also has pgbouncer-host/pgbouncer-port; they are not used: the one server pools its
// own connections, the primary Service (key host) follows a failover, and a pgBouncer switched to
// transaction pooling would break the driver's cached prepared statements.
const (
	PostgresHostKey     = "host"
	PostgresPortKey     = "port"
	PostgresDatabaseKey = "dbname"
	PostgresUserKey     = "user"
	PostgresPasswordKey = "password"
	PostgresSSLModeKey  = "sslmode" // optional
)

// RequiredPostgresKeys must be present and non-empty for the database to be usable.
var RequiredPostgresKeys = []string{PostgresHostKey, PostgresPortKey, PostgresDatabaseKey, PostgresUserKey, PostgresPasswordKey}

// Environment variables the server reads its PostgreSQL connection from.
const (
	EnvPostgresHost     = "DITTOFS_DATABASE_POSTGRES_HOST"
	EnvPostgresPort     = "DITTOFS_DATABASE_POSTGRES_PORT"
	EnvPostgresDatabase = "DITTOFS_DATABASE_POSTGRES_DATABASE"
	EnvPostgresUser     = "DITTOFS_DATABASE_POSTGRES_USER"
	EnvPostgresPassword = "DITTOFS_DATABASE_POSTGRES_PASSWORD"
	EnvPostgresSSLMode  = "DITTOFS_DATABASE_POSTGRES_SSLMODE"
)

// DefaultSSLMode applies when neither the Secret nor the spec names one.
const DefaultSSLMode = "require"

// PerconaClusterName is the PerconaPGCluster a DittoFS uses: the one it creates (<name>-pg) or
// the one it references. It is "" when the DittoFS uses no Percona cluster.
func PerconaClusterName(d *v1alpha1.DittoFS) string {
	pc := perconaSpec(d)
	switch {
	case pc == nil:
		return ""
	case pc.ClusterRef != nil:
		return pc.ClusterRef.Name
	default:
		return CreatedPerconaClusterName(d)
	}
}

// CreatedPerconaClusterName is the PerconaPGCluster a DittoFS creates with percona.create.
func CreatedPerconaClusterName(d *v1alpha1.DittoFS) string { return d.Name + "-pg" }

// PerconaUser is the PostgreSQL user (and database) a DittoFS connects as through Percona: the
// spec's, else DefaultPerconaUser. A created cluster kept from before the default was per
// DittoFS may keep LegacyPerconaUser instead (internal/percona decides; see docs/decisions.md).
func PerconaUser(d *v1alpha1.DittoFS) string {
	if pc := perconaSpec(d); pc != nil && pc.User != "" {
		return pc.User
	}
	return DefaultPerconaUser(d)
}

// DefaultPerconaUser is the user and database of a DittoFS whose spec names none: one per
// DittoFS, so two DittoFS on one cluster never share a control plane. A DittoFS name (at most 45
// characters, lowercase letters, digits and '-') keeps it within Percona's user names
// (^[a-z0-9]([-a-z0-9]*[a-z0-9])?$, at most 63) and PostgreSQL's identifiers (63 bytes); the prefix
// keeps it clear of the superuser "postgres" and of the user Percona names after a cluster.
func DefaultPerconaUser(d *v1alpha1.DittoFS) string { return "dittofs-" + d.Name }

// LegacyPerconaUser was the default user and database of every DittoFS before the default was
// per DittoFS. DittoFS objects created then carry it in their spec (the API server stored the
// default), so they keep it.
const LegacyPerconaUser = "dittofs"

// LegacyPerconaSecretName is the user Secret of LegacyPerconaUser in the cluster a DittoFS
// creates, when its spec names no user and the cluster may therefore keep that user; "" otherwise.
func LegacyPerconaSecretName(d *v1alpha1.DittoFS) string {
	pc := perconaSpec(d)
	if pc == nil || !pc.Create || pc.User != "" {
		return ""
	}
	return PerconaUserSecretName(CreatedPerconaClusterName(d), LegacyPerconaUser)
}

// PerconaUserSecretName is the Secret the Percona operator writes for one user of a cluster.
func PerconaUserSecretName(cluster, user string) string { return cluster + "-pguser-" + user }

// PostgresSecretName is the Secret holding the PostgreSQL connection of a DittoFS, "" with SQLite.
func PostgresSecretName(d *v1alpha1.DittoFS) string {
	pg := d.Spec.Database.Postgres
	switch {
	case d.Spec.Database.Type != v1alpha1.DatabasePostgres || pg == nil:
		return ""
	case pg.SecretRef != nil:
		return pg.SecretRef.Name
	case pg.Percona != nil:
		return PerconaUserSecretName(PerconaClusterName(d), PerconaUser(d))
	}
	return ""
}

// MissingPostgresKeys lists the required keys that are absent or empty in a Secret's data.
func MissingPostgresKeys(data map[string][]byte) []string {
	var missing []string
	for _, k := range RequiredPostgresKeys {
		if len(data[k]) == 0 {
			missing = append(missing, k)
		}
	}
	return missing
}

// PostgresEnv connects the server to PostgreSQL. Every value reaches the pod as a secretKeyRef,
// so nothing (the password least of all) is copied out of the Secret. The Secret's sslmode is
// used when it has one; otherwise config.yaml carries the spec's (see ServerConfigYAML).
func PostgresEnv(secretName string, data map[string][]byte) []corev1.EnvVar {
	env := []corev1.EnvVar{
		secretEnv(EnvPostgresHost, secretName, PostgresHostKey),
		secretEnv(EnvPostgresPort, secretName, PostgresPortKey),
		secretEnv(EnvPostgresDatabase, secretName, PostgresDatabaseKey),
		secretEnv(EnvPostgresUser, secretName, PostgresUserKey),
		secretEnv(EnvPostgresPassword, secretName, PostgresPasswordKey),
	}
	if len(data[PostgresSSLModeKey]) > 0 {
		env = append(env, secretEnv(EnvPostgresSSLMode, secretName, PostgresSSLModeKey))
	}
	return env
}

// PostgresConsumedData is the part of a connection Secret the pod reads. Only it is hashed into
// the pod template, so a rotated password rolls the pod and an unrelated key (the Percona
// operator's uri or pgbouncer-* keys) does not.
func PostgresConsumedData(data map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for _, k := range append([]string{PostgresSSLModeKey}, RequiredPostgresKeys...) {
		if v, ok := data[k]; ok {
			out[k] = v
		}
	}
	return out
}

func specSSLMode(d *v1alpha1.DittoFS) string {
	if pg := d.Spec.Database.Postgres; pg != nil && pg.SSLMode != "" {
		return pg.SSLMode
	}
	return DefaultSSLMode
}

func perconaSpec(d *v1alpha1.DittoFS) *v1alpha1.PerconaSpec {
	if d.Spec.Database.Type != v1alpha1.DatabasePostgres || d.Spec.Database.Postgres == nil {
		return nil
	}
	return d.Spec.Database.Postgres.Percona
}
