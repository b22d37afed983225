package specs

import (
	"fmt"

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
}

type metricsConfig struct {
	Enabled bool   `json:"enabled"`
	Host    string `json:"host,omitempty"`
	Port    int32  `json:"port,omitempty"`
	Path    string `json:"path,omitempty"`
}

// ShutdownTimeout is the server's drain time; the pod's grace period is derived from it.
const ShutdownTimeout = 30

// ServerConfigYAML renders the server's config.yaml for a DittoFS.
func ServerConfigYAML(d *v1alpha1.DittoFS) (string, error) {
	cfg := serverConfig{
		Logging: loggingConfig{Level: orDefault(d.Spec.Logging.Level, "INFO"), Format: "json", Output: "stdout"},
		// The server's own default of 127.0.0.1 would make the API unreachable from outside the pod.
		ControlPlane:    controlPlaneConfig{Host: "0.0.0.0", Port: APIPort},
		ShutdownTimeout: fmt.Sprintf("%ds", ShutdownTimeout),
		Metrics:         metricsConfig{Enabled: false},
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
