package specs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

func onPercona(clusterRef, user string) *v1alpha1.DittoFS {
	d := defaulted()
	pc := &v1alpha1.PerconaSpec{Create: clusterRef == "", User: user}
	if clusterRef != "" {
		pc.ClusterRef = &corev1.LocalObjectReference{Name: clusterRef}
	}
	d.Spec.Database = v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres, Postgres: &v1alpha1.PostgresSpec{Percona: pc, SSLMode: "require"}}
	return d
}

func onSecret(name, sslMode string) *v1alpha1.DittoFS {
	d := defaulted()
	d.Spec.Database = v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres, Postgres: &v1alpha1.PostgresSpec{
		SecretRef: &corev1.LocalObjectReference{Name: name}, SSLMode: sslMode}}
	return d
}

func connData(extra ...string) map[string][]byte {
	data := map[string][]byte{"host": []byte("db.example"), "port": []byte("5433"), "dbname": []byte("dfs"),
		"user": []byte("ditto"), "password": []byte("s3cret")}
	for i := 0; i+1 < len(extra); i += 2 {
		data[extra[i]] = []byte(extra[i+1])
	}
	return data
}

func TestPostgresNames(t *testing.T) {
	cases := []struct {
		name            string
		d               *v1alpha1.DittoFS
		cluster, secret string
	}{
		{"sqlite", defaulted(), "", ""},
		{"created cluster", onPercona("", "dittofs"), "media-pg", "media-pg-pguser-dittofs"},
		{"created cluster, no user: one per DittoFS", onPercona("", ""), "media-pg", "media-pg-pguser-dittofs-media"},
		{"referenced cluster", onPercona("shared", "files"), "shared", "shared-pguser-files"},
		{"referenced cluster, no user: one per DittoFS", onPercona("shared", ""), "shared", "shared-pguser-dittofs-media"},
		{"user secret", onSecret("my-pg", ""), "", "my-pg"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.cluster, PerconaClusterName(tc.d))
			assert.Equal(t, tc.secret, PostgresSecretName(tc.d))
			names := SecretNames(tc.d)
			if tc.secret != "" {
				assert.Contains(t, names, tc.secret, "a change to the connection Secret must reach the reconciler")
			} else {
				assert.Len(t, names, 2)
			}
		})
	}
}

// TestLegacyPerconaSecretIsWatched: a created cluster kept from before per-DittoFS users may keep
// the user dittofs, so its Secret is watched too, and only then.
func TestLegacyPerconaSecretIsWatched(t *testing.T) {
	assert.Contains(t, SecretNames(onPercona("", "")), "media-pg-pguser-dittofs")
	assert.NotContains(t, SecretNames(onPercona("", "files")), "media-pg-pguser-dittofs", "the spec names the user")
	assert.NotContains(t, SecretNames(onPercona("shared", "")), "shared-pguser-dittofs", "a referenced cluster uses the per-DittoFS default")
}

func TestMissingPostgresKeys(t *testing.T) {
	assert.Empty(t, MissingPostgresKeys(connData()))
	data := connData()
	delete(data, "password")
	data["dbname"] = nil
	assert.Equal(t, []string{"dbname", "password"}, MissingPostgresKeys(data))
	assert.Equal(t, RequiredPostgresKeys, MissingPostgresKeys(nil))
}

// TestPostgresEnvReferencesTheSecret: every variable is a secretKeyRef to the one Secret, so no
// value (the password least of all) is copied into the pod spec.
func TestPostgresEnvReferencesTheSecret(t *testing.T) {
	env := PostgresEnv("media-pg-pguser-dittofs", connData())
	want := map[string]string{
		EnvPostgresHost: "host", EnvPostgresPort: "port", EnvPostgresDatabase: "dbname",
		EnvPostgresUser: "user", EnvPostgresPassword: "password",
	}
	require.Len(t, env, len(want), "no sslmode variable when the Secret has none: config.yaml carries it")
	for _, e := range env {
		assert.Empty(t, e.Value, e.Name)
		require.NotNil(t, e.ValueFrom, e.Name)
		assert.Equal(t, "media-pg-pguser-dittofs", e.ValueFrom.SecretKeyRef.Name, e.Name)
		assert.Equal(t, want[e.Name], e.ValueFrom.SecretKeyRef.Key, e.Name)
	}

	env = PostgresEnv("my-pg", connData("sslmode", "disable"))
	last := env[len(env)-1]
	assert.Equal(t, EnvPostgresSSLMode, last.Name)
	assert.Equal(t, "sslmode", last.ValueFrom.SecretKeyRef.Key)
}

// TestConfigCarriesSSLModeNotSecrets: the spec's sslmode is in config.yaml (the Secret's, when it
// has one, overrides it through the environment); nothing from the Secret is.
func TestConfigCarriesSSLModeNotSecrets(t *testing.T) {
	for mode, d := range map[string]*v1alpha1.DittoFS{
		"require":   onPercona("", ""),
		"disable":   onSecret("my-pg", "disable"),
		"verify-ca": onSecret("my-pg", "verify-ca"),
	} {
		var cfg struct {
			Database struct {
				Type     string            `json:"type"`
				Postgres map[string]any    `json:"postgres"`
				SQLite   map[string]string `json:"sqlite"`
			} `json:"database"`
		}
		require.NoError(t, yaml.Unmarshal([]byte(mustConfig(t, d)), &cfg))
		assert.Equal(t, "postgres", cfg.Database.Type)
		assert.Nil(t, cfg.Database.SQLite)
		assert.Equal(t, mode, cfg.Database.Postgres["sslmode"])
		for _, k := range []string{"host", "port", "database", "user", "password"} {
			assert.NotContains(t, cfg.Database.Postgres, k, "connection values come from the Secret")
		}
	}
}

// TestConsumedDataDecidesTheRoll: the pod template hash changes with what the pod reads from the
// Secret and with nothing else in it.
func TestConsumedDataDecidesTheRoll(t *testing.T) {
	base := ConfigHash("cfg", PostgresConsumedData(connData("uri", "postgresql://...")))
	assert.Equal(t, base, ConfigHash("cfg", PostgresConsumedData(connData("uri", "changed", "pgbouncer-host", "b"))),
		"keys the pod does not read must not roll it")
	rotated := connData("uri", "postgresql://...")
	rotated["password"] = []byte("n3w")
	assert.NotEqual(t, base, ConfigHash("cfg", PostgresConsumedData(rotated)), "a new password must roll the pod")
	assert.NotEqual(t, base, ConfigHash("cfg", PostgresConsumedData(connData("uri", "postgresql://...", "sslmode", "disable"))))
}

func TestPostgresMetadataStore(t *testing.T) {
	store, err := PostgresMetadataStoreFor(onPercona("", "dittofs"), connData())
	require.NoError(t, err)
	assert.Equal(t, PostgresMetadataStore{
		Host: "db.example", Port: 5433, Database: "dfs", User: "ditto", SSLMode: "require",
		PasswordSecret: corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "media-pg-pguser-dittofs"}, Key: "password"},
	}, store)

	store, err = PostgresMetadataStoreFor(onSecret("my-pg", "require"), connData("sslmode", "disable"))
	require.NoError(t, err)
	assert.Equal(t, "disable", store.SSLMode, "the Secret's sslmode wins, as it does for the server process")
	assert.Equal(t, "my-pg", store.PasswordSecret.Name)

	_, err = PostgresMetadataStoreFor(defaulted(), connData())
	assert.ErrorContains(t, err, "no PostgreSQL database")
	bad := connData()
	bad["port"] = []byte("fivefour")
	_, err = PostgresMetadataStoreFor(onSecret("my-pg", ""), bad)
	assert.ErrorContains(t, err, "not a port number")
	delete(bad, "user")
	_, err = PostgresMetadataStoreFor(onSecret("my-pg", ""), bad)
	assert.ErrorContains(t, err, "lacks user")
}
