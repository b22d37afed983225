// Package postgres proves, with a real PostgreSQL server and a real DittoFS server, that what the
// operator renders for a PostgreSQL control plane (config.yaml and the pod's env) makes the server
// keep its control plane in that database.
package postgres

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/pgtest"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

func TestServerKeepsItsControlPlaneInPostgres(t *testing.T) {
	dfsBinary(t) // skip (or fail) before starting anything
	pg := pgtest.Start(t)
	password := randomHex(t)
	pg.CreateDatabase(t, "dittofs", password)

	// A DittoFS on any PostgreSQL, through a Secret. Its spec keeps the default sslMode
	// (require); the Secret says disable, since this server has no TLS: the server only connects
	// if the Secret's value, passed as env, wins over the file's.
	d := &v1alpha1.DittoFS{
		ObjectMeta: metav1.ObjectMeta{Namespace: "storage", Name: "media"},
		Spec: v1alpha1.DittoFSSpec{Database: v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres,
			Postgres: &v1alpha1.PostgresSpec{SecretRef: &corev1.LocalObjectReference{Name: "media-pg"}, SSLMode: "require"}}},
	}
	dbSecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "storage", Name: "media-pg"}, Data: map[string][]byte{
		"host": []byte(pg.Host), "port": []byte(strconv.Itoa(pg.Port)), "dbname": []byte("dittofs"),
		"user": []byte("dittofs"), "password": []byte(password), "sslmode": []byte("disable"),
	}}
	jwt, err := specs.JWTSecret(d)
	require.NoError(t, err)
	admin, err := specs.AdminSecret(d)
	require.NoError(t, err)
	secrets := map[string]*corev1.Secret{dbSecret.Name: dbSecret, jwt.Name: jwt, admin.Name: admin}

	// Exactly what the operator renders: the config file and the server container.
	configYAML, err := specs.ServerConfigYAML(d)
	require.NoError(t, err)
	require.Contains(t, configYAML, "sslmode: require")
	dbEnv := specs.PostgresEnv(specs.PostgresSecretName(d), dbSecret.Data)
	container := specs.StatefulSet(d, specs.PodInputs{ConfigHash: "test", DatabaseEnv: dbEnv}).Spec.Template.Spec.Containers[0]
	require.Equal(t, []string{"start", "--foreground", "--config", "/config/config.yaml"}, container.Args)
	env := resolveEnv(t, container.Env, secrets)
	for _, e := range env {
		if strings.HasPrefix(e, specs.EnvPostgresPassword+"=") {
			assert.Equal(t, specs.EnvPostgresPassword+"="+password, e, "the password reaches the server from its Secret")
		}
	}

	apiPort := freePort(t)
	server := startDFS(t, withAPIPort(t, configYAML, apiPort), apiPort, env)

	// The control plane landed in PostgreSQL, read back over TCP with the same credentials.
	tables := pg.Query(t, "dittofs", password, "dittofs",
		"SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema NOT IN ('pg_catalog', 'information_schema')")
	for _, want := range []string{"users", "groups", "shares", "adapters", "metadata_stores", "block_store_configs", "settings"} {
		assert.Contains(t, tables, want, "control-plane table %s must be in PostgreSQL; tables: %v", want, tables)
	}
	assert.Contains(t, pg.Query(t, "dittofs", password, "dittofs", "SELECT username FROM users"), specs.AdminUsername,
		"the server seeded its admin user in PostgreSQL")
	assert.Contains(t, pg.Query(t, "dittofs", password, "dittofs", "SELECT name FROM groups"), "admins")

	// And the server answers as the operator expects: the generated admin password logs in.
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, specs.AdminUsername, admin.Data[specs.AdminPasswordKey])
	resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/api/v1/auth/login", server.apiPort), "application/json", strings.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "log in as admin with the operator's generated password; dfs log:\n%s", server.log())
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
