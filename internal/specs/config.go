package specs

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// serverConfig is the subset of the DittoFS server's config.yaml the operator sets. Keys are the
// server's own (see docs/dittofs-server.md in the design notes). Secrets never appear here: they
// reach the server as environment variables from Secrets.
type serverConfig struct {
	Logging         loggingConfig      `json:"logging"`
	ShutdownTimeout string             `json:"shutdown_timeout"`
	Database        databaseConfig     `json:"database"`
	ControlPlane    controlPlaneConfig `json:"controlplane"`
	Metrics         metricsConfig      `json:"metrics"`
	Snapshot        snapshotConfig     `json:"snapshot"`
}

type loggingConfig struct {
	Level  string `json:"level"`
	Format string `json:"format"`
	Output string `json:"output"`
}

type databaseConfig struct {
	Type     string          `json:"type"`
	SQLite   *sqliteConfig   `json:"sqlite,omitempty"`
	Postgres *postgresConfig `json:"postgres,omitempty"`
}

type sqliteConfig struct {
	Path string `json:"path"`
}

// postgresConfig carries only what is not secret; host, user, password and the rest come as
// DITTOFS_DATABASE_POSTGRES_* environment variables from the database Secret. The sslmode here
// is the spec's; an sslmode key in the Secret overrides it (environment beats the file).
type postgresConfig struct {
	SSLMode      string `json:"sslmode"`
	MaxOpenConns int    `json:"max_open_conns"`
	MaxIdleConns int    `json:"max_idle_conns"`
}

type controlPlaneConfig struct {
	Host string `json:"host"`
	Port int    `json:"port"`
	// WriteTimeout is the API's deadline for writing an answer; a restore's answer comes only
	// when the restore is done, so it must outlast RestoreTimeout.
	WriteTimeout string     `json:"write_timeout"`
	TLS          *tlsConfig `json:"tls,omitempty"`
}

// tlsConfig points at the mounted TLS Secret. The server reloads the files when their
// modification time moves, which the kubelet's atomic update of a Secret volume does, so a
// renewed certificate needs no restart. No client_ca: the kubelet's probes carry no client
// certificate.
type tlsConfig struct {
	CertFile   string `json:"cert_file"`
	KeyFile    string `json:"key_file"`
	MinVersion string `json:"min_version,omitempty"`
}

type snapshotConfig struct {
	RestoreHTTPTimeout string `json:"restore_http_timeout"`
}

type metricsConfig struct {
	Enabled bool   `json:"enabled"`
	Host    string `json:"host,omitempty"`
	Port    int32  `json:"port,omitempty"`
	Path    string `json:"path,omitempty"`
}

// ShutdownTimeout is the server's drain time; the pod's grace period is derived from it.
const ShutdownTimeout = 30

// RestoreTimeout is how long the server lets one restore run (snapshot.restore_http_timeout).
// The API's write deadline is a minute longer, so a restore that finishes in time is answered
// (with the server's default of 10 s the restore completes and its answer is lost), and the
// operator waits for the answer a little longer still (RestoreClientTimeout).
const (
	RestoreTimeout       = 30 * time.Minute
	apiWriteTimeout      = RestoreTimeout + time.Minute
	RestoreClientTimeout = apiWriteTimeout + time.Minute
)

// ServerConfigYAML renders the server's config.yaml for a DittoFS.
func ServerConfigYAML(d *v1alpha1.DittoFS) (string, error) {
	cfg := serverConfig{
		Logging: loggingConfig{Level: orDefault(d.Spec.Logging.Level, "INFO"), Format: "json", Output: "stdout"},
		// The server's own default of 127.0.0.1 would make the API unreachable from outside the pod.
		ControlPlane:    controlPlaneConfig{Host: "0.0.0.0", Port: APIPort, WriteTimeout: apiWriteTimeout.String()},
		Snapshot:        snapshotConfig{RestoreHTTPTimeout: RestoreTimeout.String()},
		ShutdownTimeout: fmt.Sprintf("%ds", ShutdownTimeout),
		Metrics:         metricsConfig{Enabled: false},
	}
	if tls := d.Spec.ControlPlane.TLS; tls != nil {
		cfg.ControlPlane.TLS = &tlsConfig{CertFile: TLSDir + "/" + TLSCertKey, KeyFile: TLSDir + "/" + TLSKeyKey, MinVersion: tls.MinVersion}
	}
	switch d.Spec.Database.Type {
	case v1alpha1.DatabasePostgres:
		cfg.Database = databaseConfig{Type: "postgres", Postgres: &postgresConfig{SSLMode: specSSLMode(d), MaxOpenConns: 25, MaxIdleConns: 5}}
	default:
		cfg.Database = databaseConfig{Type: "sqlite", SQLite: &sqliteConfig{Path: SQLitePath}}
	}
	if d.Spec.Metrics.Enabled {
		cfg.Metrics = metricsConfig{Enabled: true, Host: "0.0.0.0", Port: d.Spec.Metrics.Port, Path: "/metrics"}
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("render config.yaml: %w", err)
	}
	return string(out), nil
}

// ConfigMap holds the rendered config.yaml.
func ConfigMap(d *v1alpha1.DittoFS, configYAML string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName(d), Namespace: d.Namespace, Labels: Labels(d)},
		Data:       map[string]string{ConfigFileName: configYAML},
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
