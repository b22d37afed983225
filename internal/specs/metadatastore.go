package specs

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// PostgresMetadataStore is a postgres metadata store for the server's REST API
// (POST /store/metadata, type postgres), in the control-plane database. Everything but the
// password is here; the password stays in the Secret PasswordSecret names, and is read only at
// the moment it is sent to the server.
type PostgresMetadataStore struct {
	Host     string `json:"host"`
	Port     int    `json:"port"` // the server reads a JSON number; a string is ignored
	Database string `json:"database"`
	User     string `json:"user"`
	SSLMode  string `json:"sslmode"`
	// PasswordSecret is the Secret key holding the password.
	PasswordSecret corev1.SecretKeySelector `json:"-"`
}

// PostgresMetadataStoreFor renders the metadata store of a DittoFS whose control plane is in
// PostgreSQL, from the connection Secret's data (the same Secret and the same values the server
// process connects with).
func PostgresMetadataStoreFor(d *v1alpha1.DittoFS, data map[string][]byte) (PostgresMetadataStore, error) {
	name := PostgresSecretName(d)
	if name == "" {
		return PostgresMetadataStore{}, fmt.Errorf("the DittoFS %s has no PostgreSQL database (database.type is %q)", d.Name, d.Spec.Database.Type)
	}
	if missing := MissingPostgresKeys(data); len(missing) > 0 {
		return PostgresMetadataStore{}, fmt.Errorf("the Secret %s lacks %s", name, strings.Join(missing, ", "))
	}
	port, err := strconv.Atoi(strings.TrimSpace(string(data[PostgresPortKey])))
	if err != nil || port < 1 || port > 65535 {
		return PostgresMetadataStore{}, fmt.Errorf("the Secret %s key %q is not a port number: %q", name, PostgresPortKey, data[PostgresPortKey])
	}
	sslMode := specSSLMode(d)
	if v := data[PostgresSSLModeKey]; len(v) > 0 {
		sslMode = string(v)
	}
	return PostgresMetadataStore{
		Host:     string(data[PostgresHostKey]),
		Port:     port,
		Database: string(data[PostgresDatabaseKey]),
		User:     string(data[PostgresUserKey]),
		SSLMode:  sslMode,
		PasswordSecret: corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name},
			Key:                  PostgresPasswordKey,
		},
	}, nil
}
